using System.Diagnostics.Metrics;

namespace AuthProxy.Telemetry;

/// <summary>
/// Instruments of the shared token cache (<c>TokenCache:Redis</c>) on meter <c>AuthProxy</c>. Recorded only off the hot
/// path: on a local miss, at renewal time, or when Redis cannot be used.
/// </summary>
internal sealed class TokenCacheMetrics
{
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _lockWaits;

    public TokenCacheMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(AuthProxyTelemetry.Name);
        _hits = meter.CreateCounter<long>("authproxy.token.shared.hits", "{token}",
            "Tokens taken from the shared cache instead of being fetched (another replica fetched them).");
        _misses = meter.CreateCounter<long>("authproxy.token.shared.misses", "{token}",
            "Local misses and renewals for which the shared cache held no usable token.");
        _fallbacks = meter.CreateCounter<long>("authproxy.token.shared.fallbacks", "{operation}",
            "Shared-cache operations abandoned because Redis was down, unreachable or slower than its budget; the replica went on alone.");
        _lockWaits = meter.CreateCounter<long>("authproxy.token.shared.lock_waits", "{fetch}",
            "Times a replica waited for another replica's fetch of the same token (fleet-wide single flight).");
    }

    public void Hit(string provider) => Add(_hits, provider);

    public void Miss(string provider) => Add(_misses, provider);

    public void LockWait(string provider) => Add(_lockWaits, provider);

    public void Fallback(string provider, string reason)
    {
        if (_fallbacks.Enabled)
        {
            _fallbacks.Add(1, new KeyValuePair<string, object?>(AuthProxyTelemetry.ProviderTag, provider),
                new KeyValuePair<string, object?>(AuthProxyTelemetry.ReasonTag, reason));
        }
    }

    private static void Add(Counter<long> counter, string provider)
    {
        if (counter.Enabled)
        {
            counter.Add(1, new KeyValuePair<string, object?>(AuthProxyTelemetry.ProviderTag, provider));
        }
    }
}
