namespace AuthProxy.Tokens.Fleet;

/// <summary>What a replica tells the fleet on the shared cache's channel.</summary>
internal enum SharedCacheEventKind : byte
{
    /// <summary>A fetched token was stored: replicas waiting for it read it now.</summary>
    Stored = 1,

    /// <summary>The fetch under the lease failed: waiters take the failure (and back off) instead of fetching too.</summary>
    Failed = 2,

    /// <summary>A token was dropped after an upstream 401: every replica stops using it.</summary>
    Invalidated = 3,
}

/// <summary>One message on the channel, sealed like the entries (a foreign or forged message is ignored).</summary>
/// <param name="Kind">What happened.</param>
/// <param name="EntryKey">The entry it is about.</param>
/// <param name="Tag">The token's tag (<see cref="SharedCacheEventKind.Invalidated"/>), else empty.</param>
/// <param name="FailureKind">The failure (<see cref="SharedCacheEventKind.Failed"/>).</param>
/// <param name="RetryAfter">The failure's <c>Retry-After</c>, if any.</param>
/// <param name="Reason">The failure's reason, as its clients are told (no secret: reasons are scrubbed when made).</param>
internal sealed record SharedCacheEvent(SharedCacheEventKind Kind, string EntryKey, byte[] Tag, TokenFailureKind FailureKind = TokenFailureKind.Failed,
    TimeSpan? RetryAfter = null, string Reason = "");
