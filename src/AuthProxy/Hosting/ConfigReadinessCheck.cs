using AuthProxy.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AuthProxy.Hosting;

/// <summary>
/// Ready once a valid configuration is loaded (the process does not start otherwise). A rejected
/// live edit leaves the last good configuration serving, so readiness stays healthy and reports the error. Once the host
/// is stopping (SIGTERM), not ready: load balancers take the replica out while it drains (<see cref="ShutdownDrain"/>).
/// </summary>
internal sealed class ConfigReadinessCheck(ConfigState state, IHostApplicationLifetime lifetime, ShutdownDrain drain) : IHealthCheck
{
    public const string Tag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested || drain.IsStopping)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Stopping: finishing the requests in flight."));
        }

        var data = new Dictionary<string, object>
        {
            ["loadedAt"] = state.LoadedAt.ToString("O"),
        };
        if (state.LastReloadError is { } error)
        {
            data["lastReloadError"] = error;
            return Task.FromResult(HealthCheckResult.Healthy("Serving the last good configuration; the last edit was rejected.", data));
        }

        return Task.FromResult(HealthCheckResult.Healthy("Configuration loaded.", data));
    }
}
