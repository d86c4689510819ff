using System.Diagnostics;

namespace AuthProxy.Telemetry;

/// <summary>The one home of this project's telemetry names (docs/operations.md).</summary>
public static class AuthProxyTelemetry
{
    /// <summary>Name of the project's <see cref="ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string Name = "AuthProxy";

    /// <summary>Attribute naming the token provider.</summary>
    public const string ProviderTag = "authproxy.provider";

    /// <summary>Attribute naming the outcome of a fetch (<c>success</c>, <c>failed</c>, <c>timeout</c>).</summary>
    public const string OutcomeTag = "outcome";

    /// <summary>Attribute naming why an inbound request was rejected, or why the shared token cache was not used.</summary>
    public const string ReasonTag = "reason";

    /// <summary>Attribute naming a rate-limit policy (<c>RateLimiting:Policies</c>).</summary>
    public const string PolicyTag = "authproxy.ratelimit.policy";

    /// <summary>Attribute naming the inbound client (its configured name, never its key), or <c>anonymous</c>.</summary>
    public const string ClientTag = "authproxy.client";

    internal static readonly ActivitySource ActivitySource = new(Name);
}
