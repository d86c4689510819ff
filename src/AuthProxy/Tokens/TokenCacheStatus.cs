namespace AuthProxy.Tokens;

/// <summary>What the status endpoint shows of one provider. Deliberately holds no token.</summary>
/// <param name="State"><c>empty</c>, <c>fetching</c>, <c>valid</c>, <c>refreshing</c>, <c>expired</c> or <c>backoff</c>.</param>
/// <param name="ExpiresAt">Expiry of the cached token, if any.</param>
/// <param name="LastRefresh">When the last token was obtained.</param>
/// <param name="LastError">Reason of the last failed fetch, cleared by a success.</param>
/// <param name="SuccessfulFetches">Token requests that returned a token.</param>
/// <param name="FailedFetches">Token requests that failed.</param>
/// <param name="RetryAt">End of the current backoff, if any.</param>
public sealed record TokenCacheStatus(string State, DateTimeOffset? ExpiresAt, DateTimeOffset? LastRefresh, string? LastError,
    long SuccessfulFetches, long FailedFetches, DateTimeOffset? RetryAt);
