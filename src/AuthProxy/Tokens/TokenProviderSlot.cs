namespace AuthProxy.Tokens;

/// <summary>
/// A stable handle on the provider of one name. Routes capture the slot when YARP builds their
/// transforms; a configuration change swaps the cache inside it, so routes that did not change
/// still pick up a changed provider (and a dropped token) without being rebuilt.
/// </summary>
public sealed class TokenProviderSlot
{
    private TokenCache? _cache;

    internal TokenProviderSlot(string name) => Name = name;

    /// <summary>The provider name.</summary>
    public string Name { get; }

    /// <summary>The current cache, or null when the provider was removed from configuration.</summary>
    internal TokenCache? Cache => Volatile.Read(ref _cache);

    internal TokenCache? Swap(TokenCache? cache) => Interlocked.Exchange(ref _cache, cache);
}
