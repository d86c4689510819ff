using System.Threading.RateLimiting;

namespace AuthProxy.RateLimiting;

/// <summary>One version of a named policy, with the factory its partitions' limiters come from. Compared by reference.</summary>
internal sealed class CompiledRateLimitPolicy
{
    public CompiledRateLimitPolicy(string name, RateLimitPolicyOptions options)
    {
        Name = name;
        Options = options;
        Description = options.Describe();
        Factory = _ => options.CreateLimiter();
    }

    public string Name { get; }

    public RateLimitPolicyOptions Options { get; }

    /// <summary>What the policy allows, in words (also what tells a changed policy on reload).</summary>
    public string Description { get; }

    public Func<RateLimitPartitionKey, RateLimiter> Factory { get; }

    public override string ToString() => $"{Name}: {Description}";
}
