using System.Diagnostics;
using AuthProxy.Telemetry;
using AuthProxy.Tokens.Fleet;

namespace AuthProxy.Tokens;

/// <summary>
/// The one cached credential of one provider (docs/tokens.md). The hot path — a valid cached token — is
/// a volatile read and two comparisons: no lock, no allocation. Misses share one in-flight fetch that
/// runs on the application's stopping token and the provider timeout, never on a caller's token.
/// Renewal starts in the background past <c>RefreshAfter</c>; failures back off exponentially. With the fleet's shared cache
/// (<see cref="SharedTokenCache"/>), a fetch — a miss or a renewal — first looks for the token another replica obtained and
/// joins the fleet's single flight; requests still never leave memory for a cached token.
/// </summary>
internal sealed class TokenCache : IDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    /// <summary>Drops after a 401 that nothing shows to be a revocation happen at most once per this interval (docs/tokens.md).</summary>
    internal static readonly TimeSpan UnprovenDropInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly ITokenSource _source;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TokenMetrics _metrics;
    private readonly CancellationToken _stopping;
    private readonly TokenEventLog? _events;
    private readonly SharedTokenCache? _shared;

    private AccessToken? _current;
    private Task<TokenResult>? _inflight;
    private long _retryAtUtcTicks;
    private int _consecutiveFailures;

    // After an upstream 401 (README "How tokens behave"); UTC ticks of _time.
    private readonly RefusingResources _refusing = new();
    private long _unprovenDropsFromTicks;
    private long _revocationGuessesFromTicks;

    // Status only; written under _gate.
    private long _successfulFetches;
    private long _failedFetches;
    private long _sharedTokens;
    private DateTimeOffset? _lastRefresh;
    private string? _lastError;

    public TokenCache(string name, TokenProviderOptions options, ITokenSource source, TimeProvider time, ILogger logger,
        TokenMetrics metrics, CancellationToken stopping, SharedTokenCache? shared = null, TokenEventLog? events = null)
    {
        Name = name;
        Options = options;
        _source = source;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _stopping = stopping;
        _events = events;
        _shared = shared;
        shared?.OnInvalidated(DropForFleet);
    }

    /// <summary>The provider name from configuration.</summary>
    public string Name { get; }

    /// <summary>The provider's options (immutable once the cache exists: a change makes a new cache).</summary>
    public TokenProviderOptions Options { get; }

    /// <summary>
    /// Returns a token that is outside its expiry window, or why none can be had. Completes synchronously
    /// whenever a cached token is usable.
    /// </summary>
    public ValueTask<TokenResult> GetAsync(CancellationToken cancellationToken)
    {
        // No clock read here: timers move the token's phase on (reading the clock costs ~50-100 ns on some VMs).
        var token = Volatile.Read(ref _current);
        if (token is not null)
        {
            var phase = token.Phase;
            if (phase != TokenPhase.Unusable)
            {
                if (phase == TokenPhase.RefreshDue)
                {
                    StartBackgroundRefresh(token);
                }

                _metrics.CacheHit(Name);
                return new ValueTask<TokenResult>(token.Result);
            }
        }

        return GetSlowAsync(cancellationToken);
    }

    /// <summary>The cached token, usable or not, or null. The request transform notes it when a request starts.</summary>
    internal AccessToken? Current => Volatile.Read(ref _current);

    /// <summary>
    /// Drops <paramref name="rejected"/> if it is still the cached token. A token already replaced by another request is
    /// left alone, so concurrent 401s drop it once. True when this call dropped it. With the shared cache the fleet drops it
    /// too: the entry goes while it still holds this token, and every replica is told to stop using it.
    /// </summary>
    public bool Invalidate(AccessToken rejected, string why)
    {
        if (!ReferenceEquals(Volatile.Read(ref _current), rejected))
        {
            return false;
        }

        // Before the token leaves the cache: a request that misses the moment it has gone must not take it (or a token
        // obtained before this 401) from Redis again.
        _shared?.Refusing(rejected);
        if (Interlocked.CompareExchange(ref _current, null, rejected) == rejected)
        {
            rejected.Retire();
            Log.TokenDropped(_logger, Name, why);
            _events?.Dropped(Name, _time.GetUtcNow(), why);
            _shared?.Dropped(rejected);
            return true;
        }

        return false;
    }

    /// <summary>The fleet was told to stop using the token with <paramref name="tag"/>: drop it if it is the cached one.</summary>
    private void DropForFleet(string entryKey, byte[] tag)
    {
        lock (_gate)
        {
            // Under the gate: a token being adopted at this moment is checked against the tag before it is installed.
            var token = _current;
            if (token?.Shared is { } where && where.Is(entryKey, tag))
            {
                _current = null;
                token.Retire();
                SharedCacheLog.DroppedByFleet(_logger, Name);
                _events?.Dropped(Name, _time.GetUtcNow(), "another replica's upstream refused it");
            }
        }
    }

    /// <summary>
    /// Notes that an upstream answered a request carrying <paramref name="token"/> with something other than 401.
    /// Lock-free; writes shared state only when the start tick moves on or on a resource's first acceptance.
    /// </summary>
    internal void RecordAccepted(AccessToken token, ulong resource, long startTick)
    {
        if (token.Acceptance.Record(resource, startTick))
        {
            _refusing.Remove(resource);
        }
    }

    /// <summary>
    /// Decides what an upstream 401 means for <paramref name="sent"/> (README "How tokens behave") and drops the token when
    /// that is the verdict. <paramref name="currentAtStart"/> is the cached token when the request started and
    /// <paramref name="startTick"/> its start; <paramref name="resource"/> hashes route, method and path;
    /// <paramref name="canRetry"/> says whether the request will be retried, which a guess of revocation needs (only the
    /// retry can disprove it).
    /// </summary>
    internal UnauthorizedVerdict JudgeUnauthorized(AccessToken sent, AccessToken? currentAtStart, long startTick, ulong resource,
        bool canRetry)
    {
        // (a) Another request dropped it already, or a renewal replaced it: try the current one, drop nothing.
        if (!ReferenceEquals(Volatile.Read(ref _current), sent))
        {
            return UnauthorizedVerdict.RetryWithCurrent;
        }

        // (b) Obtained after the request began, so it is newer than anything the 401 could be about.
        if (!ReferenceEquals(currentAtStart, sent))
        {
            _refusing.Add(resource);
            return Refuse("the token was obtained after the request began");
        }

        var acceptance = sent.Acceptance;
        var acceptedHere = acceptance.Contains(resource);
        var now = _time.GetUtcNow().UtcTicks;

        // (d) This resource accepted the token before: it was revoked. Dropped at once, whatever the budget, unless a recent
        // guess like this one was disproved (its retry got 401 too), which is how a client could make every request a fetch.
        // Judged before (c): at a revocation, a request that started later may still have been accepted just before it took
        // effect, and the refused request must be retried (the chaos soak catches that race).
        if (acceptedHere && canRetry && !_refusing.Contains(resource) && now >= Volatile.Read(ref _revocationGuessesFromTicks))
        {
            return Invalidate(sent, "the upstream answered 401 on a resource that had accepted it (revoked)")
                ? UnauthorizedVerdict.Revoked
                : UnauthorizedVerdict.RetryWithCurrent;
        }

        // (c) A request that started later was accepted with it: the upstream is accepting the token.
        if (acceptance.LatestAcceptedStart > startTick)
        {
            return Refuse("a request that started later was accepted with the same token");
        }

        // (f) This resource refused a fresh token before and accepted none since.
        if (!acceptedHere && _refusing.Contains(resource))
        {
            return Refuse("the resource refused a freshly obtained token before");
        }

        // (e) No evidence either way: drop at most once per interval. Once spent, a retry with the same token is pointless.
        var allowedAt = Volatile.Read(ref _unprovenDropsFromTicks);
        if (now < allowedAt ||
            Interlocked.CompareExchange(ref _unprovenDropsFromTicks, now + UnprovenDropInterval.Ticks, allowedAt) != allowedAt)
        {
            return Refuse("a token was already dropped after a 401 within the last 10 s");
        }

        return Invalidate(sent, "the upstream answered 401 (at most one such drop per 10 s)")
            ? UnauthorizedVerdict.Dropped
            : UnauthorizedVerdict.RetryWithCurrent;
    }

    /// <summary>
    /// The retry after a drop judged <see cref="UnauthorizedVerdict.Revoked"/> met 401 with another token: the 401 was
    /// about the request. Charge the drop to the budget and take no revocation guess for two intervals, so a client that
    /// gets one resource accepted and refused in turn costs at most one token request per interval in the long run.
    /// (A retry that could not get a token or did not run proves nothing either way and is not charged.)
    /// </summary>
    internal void RevocationDisproved()
    {
        var now = _time.GetUtcNow().UtcTicks;
        long seen, next;
        do
        {
            seen = Volatile.Read(ref _unprovenDropsFromTicks);
            next = Math.Max(seen, now) + UnprovenDropInterval.Ticks;
        }
        while (Interlocked.CompareExchange(ref _unprovenDropsFromTicks, next, seen) != seen);

        Volatile.Write(ref _revocationGuessesFromTicks, now + (2 * UnprovenDropInterval.Ticks));
        Log.RevocationDisproved(_logger, Name);
    }

    private UnauthorizedVerdict Refuse(string why)
    {
        Log.UnauthorizedRefusal(_logger, Name, why);
        return UnauthorizedVerdict.Refused;
    }

    /// <summary>Forces a fetch now (joining one in flight), ignoring any backoff. Used by tests and operators.</summary>
    public Task<TokenResult> RefreshAsync()
    {
        lock (_gate)
        {
            return _inflight ??= FetchAsync();
        }
    }

    /// <summary>A snapshot for the status endpoint. Holds no token.</summary>
    public TokenCacheStatus GetStatus()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var token = _current;
            var retryAt = _retryAtUtcTicks;
            string state;
            if (_inflight is not null)
            {
                state = token is null ? "fetching" : "refreshing";
            }
            else if (retryAt > now.UtcTicks && (token is null || now >= token.UsableUntil))
            {
                state = "backoff";
            }
            else if (token is null)
            {
                state = "empty";
            }
            else
            {
                state = now < token.UsableUntil ? "valid" : "expired";
            }

            return new TokenCacheStatus(state, token?.ExpiresAt, _lastRefresh, _lastError, _successfulFetches, _failedFetches,
                retryAt > now.UtcTicks ? new DateTimeOffset(retryAt, TimeSpan.Zero) : null);
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _current, null)?.Retire();
        _shared?.Dispose();
        _source.Dispose();
    }

    private async ValueTask<TokenResult> GetSlowAsync(CancellationToken cancellationToken)
    {
        Task<TokenResult> fetch;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var token = _current;
            if (token is not null && now < token.UsableUntil)
            {
                return token.Result;
            }

            fetch = _inflight!;
            if (fetch is null)
            {
                if (now.UtcTicks < _retryAtUtcTicks)
                {
                    return BackoffRejection(now);
                }

                fetch = _inflight = FetchAsync();
            }
        }

        return await fetch.WaitAsync(cancellationToken);
    }

    private void StartBackgroundRefresh(AccessToken token)
    {
        // Cheap unlocked checks first: once renewal is under way every request passes here.
        if (Volatile.Read(ref _inflight) is not null ||
            (Volatile.Read(ref _retryAtUtcTicks) != 0 && _time.GetUtcNow().UtcTicks < Volatile.Read(ref _retryAtUtcTicks)))
        {
            return;
        }

        lock (_gate)
        {
            if (_inflight is null && _current == token)
            {
                Log.BackgroundRefreshStarted(_logger, Name, token.ExpiresAt);
                _inflight = FetchAsync();
            }
        }
    }

    private TokenResult BackoffRejection(DateTimeOffset now)
    {
        var wait = new DateTimeOffset(_retryAtUtcTicks, TimeSpan.Zero) - now;
        var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
        _metrics.BackoffRejected(Name);
        Log.BackoffRejected(_logger, Name, seconds);
        return TokenResult.Fail(TokenFailureKind.BackingOff,
            $"token provider '{Name}' is backing off after a failure ({_lastError}); next attempt in {seconds} s",
            TimeSpan.FromSeconds(seconds));
    }

    /// <summary>The one fetch in flight. Must be called under <see cref="_gate"/>; never throws.</summary>
    private async Task<TokenResult> FetchAsync()
    {
        // Callers hold _gate: leave it before doing any work.
        await Task.Yield();

        var outcome = await ObtainAsync();
        while (true)
        {
            var result = outcome.Result;
            var now = _time.GetUtcNow();
            if (outcome.Origin == TokenOrigin.Fetched && result.Succeeded && now >= result.Token.UsableUntil)
            {
                result = TokenResult.Fail(TokenFailureKind.Failed,
                    $"the token endpoint issued a token that expires at {result.Token.ExpiresAt:O}, inside the expiry window");
            }

            lock (_gate)
            {
                // Checked under the gate, as DropForFleet is: a token the fleet dropped while it was being taken is not installed.
                if (outcome.Origin != TokenOrigin.Shared || result.Token?.Shared is not { } where || !_shared!.IsRevoked(where.Tag))
                {
                    Complete(result, outcome.Origin, now);
                    return result;
                }
            }

            outcome = new SharedOutcome(await FetchFromSourceAsync(), TokenOrigin.Fetched);
        }
    }

    private async Task<SharedOutcome> ObtainAsync()
    {
        if (_shared is not { } shared)
        {
            return new SharedOutcome(await FetchFromSourceAsync(), TokenOrigin.Fetched);
        }

        try
        {
            return await shared.ObtainAsync(Volatile.Read(ref _current), FetchFromSourceAsync);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug in the shared layer must not cost the request its token: go on alone.
            Log.UnexpectedFetchError(_logger, Name, ex.GetType().Name, ex);
            return new SharedOutcome(await FetchFromSourceAsync(), TokenOrigin.Fetched);
        }
    }

    /// <summary>Installs the outcome of a flight (the token, or the backoff). Under <see cref="_gate"/>.</summary>
    private void Complete(TokenResult result, TokenOrigin origin, DateTimeOffset now)
    {
        if (result.Succeeded)
        {
            result.Token.StartTimers(_time, now);
            var previous = Interlocked.Exchange(ref _current, result.Token);
            previous?.Retire();
            _events?.Obtained(Name, now, result.Token, previous, _consecutiveFailures);
            _consecutiveFailures = 0;
            Volatile.Write(ref _retryAtUtcTicks, 0);
            if (origin == TokenOrigin.Fetched)
            {
                _successfulFetches++;
                Log.TokenObtained(_logger, Name, result.Token.ExpiresAt, result.Token.RefreshAt, _lastFetchMs);
            }
            else
            {
                _sharedTokens++;
            }

            _lastRefresh = now;
            _lastError = null;
        }
        else
        {
            var retryAt = now + NextBackoff(++_consecutiveFailures, result.Failure.RetryAfter);
            Volatile.Write(ref _retryAtUtcTicks, retryAt.UtcTicks);
            if (origin == TokenOrigin.Fetched)
            {
                _failedFetches++;
            }

            _lastError = origin == TokenOrigin.PeerFailure ? $"{result.Failure.Reason} (another replica's token request)" : result.Failure.Reason;
            Log.TokenFetchFailed(_logger, Name, _lastError, retryAt);
            _events?.FetchFailed(Name, now, _lastError, retryAt, _consecutiveFailures);
        }

        // Publish the token (or the backoff) before clearing the flight, so late arrivals see it.
        _inflight = null;
    }

    private double _lastFetchMs;

    /// <summary>One request to the token endpoint, within the provider's timeout; never throws.</summary>
    private async Task<TokenResult> FetchFromSourceAsync()
    {
        using var activity = AuthProxyTelemetry.ActivitySource.StartActivity("authproxy.token.fetch", ActivityKind.Internal);
        activity?.SetTag(AuthProxyTelemetry.ProviderTag, Name);
        var started = _time.GetTimestamp();
        TokenResult result;
        using (var timeout = new CancellationTokenSource(Options.Timeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping))
        {
            try
            {
                result = await _source.FetchAsync(linked.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_stopping.IsCancellationRequested)
            {
                result = TokenResult.Fail(TokenFailureKind.TimedOut,
                    $"the token endpoint did not answer within {Options.Timeout.TotalSeconds:0.###} s");
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                result = TokenResult.Fail(TokenFailureKind.Failed, "the proxy is shutting down");
            }
            catch (Exception ex)
            {
                Log.UnexpectedFetchError(_logger, Name, ex.GetType().Name, ex);
                result = TokenResult.Fail(TokenFailureKind.Failed, $"unexpected {ex.GetType().Name}");
            }
        }

        var elapsed = _time.GetElapsedTime(started);
        _lastFetchMs = elapsed.TotalMilliseconds;
        var outcome = result.Succeeded ? "success" : result.Failure.Kind == TokenFailureKind.TimedOut ? "timeout" : "failed";
        _metrics.Fetched(Name, outcome, elapsed);
        activity?.SetTag(AuthProxyTelemetry.OutcomeTag, outcome);
        if (!result.Succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Failure.Reason);
        }

        return result;
    }

    /// <summary>Exponential from 1 s, doubling, capped at 60 s, ±20% jitter; a longer <c>Retry-After</c> wins.</summary>
    internal static TimeSpan NextBackoff(int consecutiveFailures, TimeSpan? retryAfter)
    {
        var exponent = Math.Clamp(consecutiveFailures - 1, 0, 6);
        var delay = TimeSpan.FromSeconds(1 << exponent);
        delay = delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
        if (delay > MaxBackoff)
        {
            delay = MaxBackoff;
        }

        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked > MaxRetryAfter ? MaxRetryAfter : asked;
        }

        return delay;
    }
}
