using System.Globalization;
using System.Threading.RateLimiting;
using AuthProxy.Configuration;

namespace AuthProxy.RateLimiting;

/// <summary>
/// Reads and checks the <c>RateLimiting</c> section (README "Running a fleet"): every policy's <c>Kind</c>, the options that kind takes
/// (and no other), their ranges and <c>PartitionBy</c>, each problem with its config key path. A route naming a policy that
/// is not here is refused by YARP's own validator, which the candidate check runs knowing these names.
/// </summary>
internal static class RateLimitingConfig
{
    /// <summary>The configuration section.</summary>
    public const string Section = "RateLimiting";

    internal const string PoliciesKey = "Policies";

    /// <summary>YARP's reserved <c>RateLimiterPolicy</c> values (no limit beyond the default; no limit at all): not policy names.</summary>
    internal static readonly IReadOnlyList<string> ReservedNames = ["Default", "Disable"];

    private static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(1);

    /// <summary>The options every kind takes.</summary>
    internal static readonly IReadOnlyList<string> CommonOptions = ["Kind", "PartitionBy", "QueueLimit", "QueueProcessingOrder"];

    /// <summary>The options of each kind besides <see cref="CommonOptions"/>, all required.</summary>
    internal static readonly IReadOnlyDictionary<RateLimitKind, string[]> KindOptions = new Dictionary<RateLimitKind, string[]>
    {
        [RateLimitKind.FixedWindow] = ["PermitLimit", "Window"],
        [RateLimitKind.SlidingWindow] = ["PermitLimit", "Window", "SegmentsPerWindow"],
        [RateLimitKind.TokenBucket] = ["TokenLimit", "TokensPerPeriod", "ReplenishmentPeriod"],
        [RateLimitKind.Concurrency] = ["PermitLimit"],
    };

    private static readonly string[] AllOptions = [.. CommonOptions, .. KindOptions.Values.SelectMany(o => o).Distinct()];

    /// <summary>Reads the section; an invalid policy is left out (its problems reject the configuration as a whole).</summary>
    public static RateLimitingOptions Read(IConfiguration configuration, List<ConfigProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var section = configuration.GetSection(Section);
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add(new ConfigProblem(section.Path, $"must be an object: {{ \"{PoliciesKey}\": {{ \"<name>\": {{ \"Kind\": … }} }} }}"));
            return RateLimitingOptions.None;
        }

        foreach (var child in section.GetChildren())
        {
            if (!child.Key.Equals(PoliciesKey, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new ConfigProblem(child.Path, $"unknown option '{child.Key}' (allowed: {PoliciesKey})"));
            }
        }

        var policies = new Dictionary<string, RateLimitPolicyOptions>(StringComparer.Ordinal);
        var list = section.GetSection(PoliciesKey);
        if (!string.IsNullOrEmpty(list.Value))
        {
            problems.Add(new ConfigProblem(list.Path, "must be an object mapping policy names to { \"Kind\": … }"));
            return RateLimitingOptions.None;
        }

        foreach (var entry in list.GetChildren())
        {
            if (ReadPolicy(entry, problems) is { } policy)
            {
                policies[entry.Key] = policy;
            }
        }

        var anyRouteLimited = configuration.GetSection("ReverseProxy:Routes").GetChildren()
            .Select(r => r["RateLimiterPolicy"])
            .Any(name => !string.IsNullOrEmpty(name) && !ReservedNames.Contains(name, StringComparer.OrdinalIgnoreCase));
        return policies.Count == 0 && !anyRouteLimited ? RateLimitingOptions.None : new RateLimitingOptions(policies, anyRouteLimited);
    }

    /// <summary>The policy names the section declares, valid or not (a route naming one is not also an unknown-policy problem).</summary>
    public static IEnumerable<string> DeclaredNames(IConfiguration configuration) =>
        configuration.GetSection($"{Section}:{PoliciesKey}").GetChildren()
            .Select(c => c.Key)
            .Where(name => !ReservedNames.Contains(name, StringComparer.OrdinalIgnoreCase));

    private static RateLimitPolicyOptions? ReadPolicy(IConfigurationSection entry, List<ConfigProblem> problems)
    {
        var path = entry.Path;
        if (ReservedNames.Contains(entry.Key, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(new ConfigProblem(path, $"'{entry.Key}' is reserved by YARP (RateLimiterPolicy \"Default\" or \"Disable\"); choose another policy name"));
            return null;
        }

        if (entry.Value is not null || !entry.GetChildren().Any())
        {
            problems.Add(new ConfigProblem(path, $"policy '{entry.Key}' must be an object with at least \"Kind\" ({string.Join(", ", Enum.GetNames<RateLimitKind>())})"));
            return null;
        }

        var before = problems.Count;
        foreach (var option in entry.GetChildren())
        {
            if (!AllOptions.Contains(option.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add(new ConfigProblem(option.Path, $"unknown option '{option.Key}' (allowed: {string.Join(", ", AllOptions)})"));
            }
            else if (option.Value is null)
            {
                problems.Add(new ConfigProblem(option.Path, "must be a single value, not an object, array or null"));
            }
        }

        var kindText = entry["Kind"];
        if (string.IsNullOrWhiteSpace(kindText))
        {
            problems.Add(new ConfigProblem($"{path}:Kind", $"required; one of {string.Join(", ", Enum.GetNames<RateLimitKind>())}"));
            return null;
        }

        if (!Enum.TryParse<RateLimitKind>(kindText, ignoreCase: true, out var kind) || !Enum.IsDefined(kind) || int.TryParse(kindText, out _))
        {
            problems.Add(new ConfigProblem($"{path}:Kind", $"unknown kind; expected one of {string.Join(", ", Enum.GetNames<RateLimitKind>())}"));
            return null;
        }

        var own = KindOptions[kind];
        foreach (var option in entry.GetChildren())
        {
            if (AllOptions.Contains(option.Key, StringComparer.OrdinalIgnoreCase) && !CommonOptions.Contains(option.Key, StringComparer.OrdinalIgnoreCase) &&
                !own.Contains(option.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add(new ConfigProblem(option.Path, $"does not apply to Kind {kind} (its options: {string.Join(", ", own)}, and {string.Join(", ", CommonOptions.Skip(1))})"));
            }
        }

        foreach (var required in own)
        {
            if (entry[required] is null)
            {
                problems.Add(new ConfigProblem($"{path}:{required}", $"required for Kind {kind}"));
            }
        }

        if (problems.Count != before)
        {
            return null;
        }

        var policy = new RateLimitPolicyOptions
        {
            Kind = kind,
            PermitLimit = own.Contains("PermitLimit") ? Count(entry, "PermitLimit", 1, problems) : 0,
            Window = own.Contains("Window") ? Period(entry, "Window", problems) : default,
            SegmentsPerWindow = own.Contains("SegmentsPerWindow") ? Count(entry, "SegmentsPerWindow", 1, problems) : 0,
            TokenLimit = own.Contains("TokenLimit") ? Count(entry, "TokenLimit", 1, problems) : 0,
            TokensPerPeriod = own.Contains("TokensPerPeriod") ? Count(entry, "TokensPerPeriod", 1, problems) : 0,
            ReplenishmentPeriod = own.Contains("ReplenishmentPeriod") ? Period(entry, "ReplenishmentPeriod", problems) : default,
            QueueLimit = entry["QueueLimit"] is null ? 0 : Count(entry, "QueueLimit", 0, problems),
            QueueProcessingOrder = ParseEnum(entry, "QueueProcessingOrder", QueueProcessingOrder.OldestFirst, problems),
            PartitionBy = ParseEnum(entry, "PartitionBy", RateLimitPartitionBy.Client, problems),
        };
        return problems.Count == before ? policy : null;
    }

    private static int Count(IConfigurationSection entry, string option, int min, List<ConfigProblem> problems)
    {
        if (int.TryParse(entry[option], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min)
        {
            return value;
        }

        problems.Add(new ConfigProblem($"{entry.Path}:{option}", $"must be a whole number of at least {min}"));
        return 0;
    }

    private static TimeSpan Period(IConfigurationSection entry, string option, List<ConfigProblem> problems)
    {
        if (TimeSpan.TryParse(entry[option], CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero && value <= MaxPeriod)
        {
            return value;
        }

        problems.Add(new ConfigProblem($"{entry.Path}:{option}", "must be a positive duration of at most a day, as a TimeSpan string such as \"00:01:00\""));
        return default;
    }

    private static T ParseEnum<T>(IConfigurationSection entry, string option, T fallback, List<ConfigProblem> problems)
        where T : struct, Enum
    {
        var text = entry[option];
        if (text is null)
        {
            return fallback;
        }

        if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _))
        {
            return value;
        }

        problems.Add(new ConfigProblem($"{entry.Path}:{option}", $"must be one of {string.Join(", ", Enum.GetNames<T>())}"));
        return fallback;
    }
}
