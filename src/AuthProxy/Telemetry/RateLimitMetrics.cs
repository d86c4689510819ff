using System.Diagnostics.Metrics;

namespace AuthProxy.Telemetry;

/// <summary>The rate limiter's instrument on meter <c>AuthProxy</c> (ASP.NET Core's own <c>aspnetcore.rate_limiting.*</c> come besides).</summary>
internal sealed class RateLimitMetrics
{
    private readonly Counter<long> _rejections;

    public RateLimitMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(AuthProxyTelemetry.Name);
        _rejections = meter.CreateCounter<long>("authproxy.ratelimit.rejections", "{request}",
            "Requests answered 429 because their route's rate-limit policy was exhausted.");
    }

    /// <param name="policy">The policy name.</param>
    /// <param name="client">The client's configured name, or <c>anonymous</c> (never an address: it would make one series per caller).</param>
    public void Rejected(string policy, string client)
    {
        if (_rejections.Enabled)
        {
            _rejections.Add(1, new KeyValuePair<string, object?>(AuthProxyTelemetry.PolicyTag, policy),
                new KeyValuePair<string, object?>(AuthProxyTelemetry.ClientTag, client));
        }
    }
}
