namespace AuthProxy.RateLimiting;

/// <summary>The validated <c>RateLimiting</c> section: the named policies routes may name with YARP's <c>RateLimiterPolicy</c>.</summary>
internal sealed class RateLimitingOptions
{
    /// <summary>No policies.</summary>
    public static readonly RateLimitingOptions None = new(new Dictionary<string, RateLimitPolicyOptions>(StringComparer.Ordinal), anyRouteLimited: false);

    public RateLimitingOptions(IReadOnlyDictionary<string, RateLimitPolicyOptions> policies, bool anyRouteLimited)
    {
        Policies = policies;
        AnyRouteLimited = anyRouteLimited;
    }

    /// <summary>The policies by name (exact case, as YARP and ASP.NET Core match them).</summary>
    public IReadOnlyDictionary<string, RateLimitPolicyOptions> Policies { get; }

    /// <summary>True when some route names a policy: otherwise the rate limiter is not even asked (it costs nothing).</summary>
    public bool AnyRouteLimited { get; }

    public override string ToString() => $"RateLimitingOptions({string.Join(", ", Policies.Keys)})";
}
