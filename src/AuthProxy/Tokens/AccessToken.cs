namespace AuthProxy.Tokens;

/// <summary>
/// A credential obtained from a token provider, with its precomputed <c>Authorization</c> header
/// value and the instants that govern renewal. It never prints its secret.
/// </summary>
public sealed class AccessToken
{
    private AccessToken(string headerValue, DateTimeOffset obtainedAt, DateTimeOffset issuedAt, DateTimeOffset expiresAt,
        DateTimeOffset refreshAt, DateTimeOffset usableUntil)
    {
        HeaderValue = headerValue;
        ObtainedAt = obtainedAt;
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
        RefreshAt = refreshAt;
        UsableUntil = usableUntil;
        Result = new TokenResult(this);
    }

    /// <summary>The full <c>Authorization</c> header value, e.g. <c>Bearer eyJ…</c>. Secret.</summary>
    public string HeaderValue { get; }

    /// <summary>When this proxy received the token.</summary>
    public DateTimeOffset ObtainedAt { get; }

    /// <summary>When the issuer says the token was issued (or <see cref="ObtainedAt"/> if unknown).</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <summary>When the token expires. <see cref="DateTimeOffset.MaxValue"/> for credentials that never expire.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>From this instant on, the token is renewed in the background while still being served.</summary>
    public DateTimeOffset RefreshAt { get; }

    /// <summary>The token is never sent at or after this instant (expiry minus the expiry window).</summary>
    public DateTimeOffset UsableUntil { get; }

    /// <summary>A cached success result, so the hot path hands out the token without allocating.</summary>
    internal TokenResult Result { get; }

    /// <summary>
    /// Where the token is in its life, flipped by timers at <see cref="RefreshAt"/> and <see cref="UsableUntil"/>
    /// once the token is cached, so the per-request path reads a field instead of the clock.
    /// </summary>
    internal TokenPhase Phase => (TokenPhase)Volatile.Read(ref _phase);

    private int _phase;

    /// <summary>Where upstreams accepted this token: tells a refused request from a revoked token after a 401.</summary>
    internal TokenAcceptance Acceptance { get; } = new();

    /// <summary>Where the token sits in the fleet's shared cache, when there is one; set before the token is cached.</summary>
    internal Fleet.SharedTokenRef? Shared { get; set; }

    private ITimer? _refreshTimer;
    private ITimer? _expiryTimer;

    /// <summary>Starts the timers that move <see cref="Phase"/> on. Called once, when the token enters the cache.</summary>
    internal void StartTimers(TimeProvider time, DateTimeOffset now)
    {
        // Timers must not capture the fetching request's execution context (activity, logging scopes).
        using var _ = ExecutionContext.SuppressFlow();
        _refreshTimer = Schedule(time, now, RefreshAt, TokenPhase.RefreshDue);
        _expiryTimer = Schedule(time, now, UsableUntil, TokenPhase.Unusable);
    }

    /// <summary>Marks the token unusable and releases its timers (it was replaced or rejected).</summary>
    internal void Retire()
    {
        Advance(TokenPhase.Unusable);
        _refreshTimer?.Dispose();
        _expiryTimer?.Dispose();
    }

    private ITimer? Schedule(TimeProvider time, DateTimeOffset now, DateTimeOffset at, TokenPhase phase)
    {
        if (at == DateTimeOffset.MaxValue)
        {
            return null;
        }

        if (at <= now)
        {
            Advance(phase);
            return null;
        }

        var change = new PhaseChange(this, phase, at, time);
        change.Timer = time.CreateTimer(static state => ((PhaseChange)state!).Fire(), change, PhaseChange.Cap(at - now), Timeout.InfiniteTimeSpan);
        return change.Timer;
    }

    private void Advance(TokenPhase phase)
    {
        // Phases only move forward: a late refresh timer must not revive an unusable token.
        int current;
        while ((current = Volatile.Read(ref _phase)) < (int)phase &&
               Interlocked.CompareExchange(ref _phase, (int)phase, current) != current)
        {
        }
    }

    /// <summary>One pending phase change. Timers cannot wait longer than ~49 days, so a far-off instant re-arms.</summary>
    private sealed class PhaseChange(AccessToken token, TokenPhase phase, DateTimeOffset at, TimeProvider time)
    {
        private static readonly TimeSpan MaxDue = TimeSpan.FromDays(30);

        public ITimer? Timer { get; set; }

        public static TimeSpan Cap(TimeSpan due) => due > MaxDue ? MaxDue : due;

        public void Fire()
        {
            var left = at - time.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                Timer?.Change(Cap(left), Timeout.InfiniteTimeSpan);
                return;
            }

            token.Advance(phase);
        }
    }

    /// <summary>
    /// Creates a token whose renewal instants follow docs/tokens.md: renew after <paramref name="refreshAfter"/>
    /// of the lifetime; never send within min(<paramref name="expiryWindow"/>, 10% of the lifetime) of expiry.
    /// </summary>
    public static AccessToken Create(string headerValue, DateTimeOffset obtainedAt, DateTimeOffset issuedAt,
        DateTimeOffset expiresAt, double refreshAfter, TimeSpan expiryWindow)
    {
        ArgumentException.ThrowIfNullOrEmpty(headerValue);
        if (expiresAt == DateTimeOffset.MaxValue)
        {
            return new AccessToken(headerValue, obtainedAt, issuedAt, expiresAt, DateTimeOffset.MaxValue, DateTimeOffset.MaxValue);
        }

        if (issuedAt > obtainedAt || issuedAt >= expiresAt)
        {
            // An issuer clock ahead of ours (or a nonsensical iat) must not stretch the lifetime.
            issuedAt = obtainedAt;
        }

        var lifetime = expiresAt - issuedAt;
        if (lifetime < TimeSpan.Zero)
        {
            lifetime = TimeSpan.Zero;
        }

        var window = TimeSpan.FromTicks(Math.Min(expiryWindow.Ticks, lifetime.Ticks / 10));
        var usableUntil = expiresAt - window;
        var refreshAt = issuedAt + TimeSpan.FromTicks((long)(lifetime.Ticks * refreshAfter));

        // A token already past RefreshAfter on arrival (an IdP that hands out a cached token) would be renewed at once,
        // and every renewal could return it again: then measure the fraction from when we obtained it instead.
        if (refreshAt <= obtainedAt)
        {
            refreshAt = obtainedAt + TimeSpan.FromTicks((long)((expiresAt - obtainedAt).Ticks * refreshAfter));
        }
        return new AccessToken(headerValue, obtainedAt, issuedAt, expiresAt, refreshAt, usableUntil);
    }

    /// <summary>Never prints the credential.</summary>
    public override string ToString() => $"AccessToken(expiresAt={ExpiresAt:O}, ***)";
}
