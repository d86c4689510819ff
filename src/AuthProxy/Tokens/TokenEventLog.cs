namespace AuthProxy.Tokens;

/// <summary>
/// The most recent token events of every provider (fetched, renewed, failed, dropped, backoff started and ended), for
/// the status document and the dashboard. Written only when such an event happens — a token request completes or a
/// token is dropped — never on the per-request path; a short lock guards a fixed ring of <see cref="Capacity"/> entries.
/// </summary>
internal sealed class TokenEventLog
{
    /// <summary>How many events are kept.</summary>
    public const int Capacity = 50;

    private readonly Lock _gate = new();
    private readonly TokenEvent[] _ring = new TokenEvent[Capacity];
    private int _next;
    private int _count;

    /// <summary>The kept events, newest first.</summary>
    public IReadOnlyList<TokenEvent> Recent()
    {
        lock (_gate)
        {
            var events = new TokenEvent[_count];
            for (var i = 0; i < _count; i++)
            {
                events[i] = _ring[(_next - 1 - i + Capacity) % Capacity];
            }

            return events;
        }
    }

    public void Record(TokenEvent tokenEvent)
    {
        ArgumentNullException.ThrowIfNull(tokenEvent);
        lock (_gate)
        {
            _ring[_next] = tokenEvent;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    /// <summary>
    /// A token request succeeded: renewed when <paramref name="previous"/> was still usable, fetched otherwise; and the end
    /// of a backoff when <paramref name="failuresBefore"/> requests had failed in a row.
    /// </summary>
    public void Obtained(string provider, DateTimeOffset now, AccessToken token, AccessToken? previous, int failuresBefore)
    {
        ArgumentNullException.ThrowIfNull(token);
        var renewed = previous is not null && now < previous.UsableUntil;
        Record(new TokenEvent(now, provider, renewed ? TokenEventKind.Renewed : TokenEventKind.Fetched,
            renewed ? "renewed in the background while the previous token served" : "token obtained", token.ExpiresAt == DateTimeOffset.MaxValue ? null : token.ExpiresAt));
        if (failuresBefore > 0)
        {
            Record(new TokenEvent(now, provider, TokenEventKind.BackoffEnded, $"a token was obtained after {failuresBefore} failed request(s)", null));
        }
    }

    /// <summary>A token request failed (<paramref name="reason"/> is the failure's own, secret-free text); the first of a run starts a backoff.</summary>
    public void FetchFailed(string provider, DateTimeOffset now, string reason, DateTimeOffset retryAt, int consecutiveFailures)
    {
        Record(new TokenEvent(now, provider, TokenEventKind.Failed, reason, retryAt));
        if (consecutiveFailures == 1)
        {
            Record(new TokenEvent(now, provider, TokenEventKind.BackoffStarted,
                "token requests wait before the next attempt (1 s, doubling up to 60 s, or as the endpoint's Retry-After asks)", retryAt));
        }
    }

    /// <summary>The cached token was discarded; <paramref name="why"/> is one of the cache's fixed texts.</summary>
    public void Dropped(string provider, DateTimeOffset now, string why) =>
        Record(new TokenEvent(now, provider, TokenEventKind.Dropped, why, null));
}
