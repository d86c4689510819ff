using System.Diagnostics;

namespace AuthProxy.Telemetry;

/// <summary>The one home of this project's telemetry names (CONTRACT §5).</summary>
public static class AuthProxyTelemetry
{
    /// <summary>Name of the project's <see cref="ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string Name = "AuthProxy";

    /// <summary>Attribute naming the token provider.</summary>
    public const string ProviderTag = "authproxy.provider";

    /// <summary>Attribute naming the outcome of a fetch (<c>success</c>, <c>failed</c>, <c>timeout</c>).</summary>
    public const string OutcomeTag = "outcome";

    /// <summary>Attribute naming why an inbound request was rejected.</summary>
    public const string ReasonTag = "reason";

    internal static readonly ActivitySource ActivitySource = new(Name);
}
