using AuthProxy.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AuthProxy.Hosting;

/// <summary>
/// Logs the start-up configuration's warnings and, once the listeners are bound, which configuration file the proxy
/// serves and where it listens.
/// </summary>
internal sealed partial class StartupAnnouncement(IHostApplicationLifetime lifetime, IServer server, ConfigState config,
    ReloadInputs inputs, ILogger<StartupAnnouncement> logger) : IHostedService
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var warning in inputs.Initial.Warnings)
        {
            ConfigWarning(logger, warning.Path, warning.Reason);
        }

        _registration = lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            Serving(logger, CommandLine.Version, config.Path, string.Join(", ", addresses), inputs.Initial.Providers.Count);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    [LoggerMessage(3011, LogLevel.Warning, "Configuration warning: {ConfigPath}: {Reason}")]
    internal static partial void ConfigWarning(ILogger logger, string configPath, string reason);

    [LoggerMessage(3010, LogLevel.Information, "AuthProxy {Version} serving configuration '{Path}' ({ProviderCount} token provider(s)) on {Listeners}.")]
    private static partial void Serving(ILogger logger, string version, string path, string listeners, int providerCount);
}
