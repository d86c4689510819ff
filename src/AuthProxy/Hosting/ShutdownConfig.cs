using System.Globalization;
using AuthProxy.Configuration;

namespace AuthProxy.Hosting;

/// <summary>The <c>Shutdown</c> section: how the proxy leaves a load balancer's rotation before it stops.</summary>
/// <param name="DrainDelay">
/// After SIGTERM, <c>/readyz</c> answers 503 at once while the proxy keeps serving this long, so load balancers that poll it
/// (and Kubernetes endpoints) stop sending before the listeners close; then in-flight requests finish. Default 0.
/// </param>
internal sealed record ShutdownOptions(TimeSpan DrainDelay)
{
    public static readonly ShutdownOptions Default = new(TimeSpan.Zero);
}

/// <summary>Reads and checks the <c>Shutdown</c> section.</summary>
internal static class ShutdownConfig
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Shutdown";

    internal const string DrainDelayKey = "DrainDelay";

    /// <summary>The longest drain delay: Kubernetes' default grace period is 30 s, and the in-flight requests need time after it.</summary>
    internal static readonly TimeSpan MaxDrainDelay = TimeSpan.FromMinutes(1);

    public static ShutdownOptions Read(IConfiguration configuration, List<ConfigProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var section = configuration.GetSection(Section);
        foreach (var child in section.GetChildren())
        {
            if (!child.Key.Equals(DrainDelayKey, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new ConfigProblem(child.Path, $"unknown option '{child.Key}' (allowed: {DrainDelayKey})"));
            }
        }

        var setting = section.GetSection(DrainDelayKey);
        if (setting.Value is null)
        {
            return ShutdownOptions.Default;
        }

        if (!TimeSpan.TryParse(setting.Value, CultureInfo.InvariantCulture, out var delay) || delay < TimeSpan.Zero || delay > MaxDrainDelay)
        {
            problems.Add(new ConfigProblem(setting.Path, "must be a duration from \"00:00:00\" to \"00:01:00\", such as \"00:00:05\""));
            return ShutdownOptions.Default;
        }

        return new ShutdownOptions(delay);
    }
}
