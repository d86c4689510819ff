namespace AuthProxy.Tokens.Fleet;

/// <summary>What <c>/_authproxy/status</c> shows of the shared token cache (<c>tokenCache</c>). Holds no token or secret.</summary>
/// <param name="Kind">Always <c>redis</c>.</param>
/// <param name="State"><c>connected</c> or <c>degraded</c> (down, unreachable, slow, or still connecting: each replica then caches alone).</param>
/// <param name="LastError">Why it is (or last was) degraded; null when it never was.</param>
/// <param name="Since">When the current state began.</param>
/// <param name="Hits">Local misses and renewals served by a token another replica fetched.</param>
/// <param name="Misses">Local misses and renewals that found no usable token in Redis.</param>
/// <param name="Fallbacks">Operations abandoned because Redis could not be used (the replica went on alone).</param>
/// <param name="LockWaits">Times this replica waited for another replica's fetch.</param>
public sealed record SharedTokenCacheStatus(string Kind, string State, string? LastError, DateTimeOffset Since, long Hits, long Misses,
    long Fallbacks, long LockWaits);
