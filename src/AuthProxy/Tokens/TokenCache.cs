using System.Diagnostics;
using AuthProxy.Telemetry;

namespace AuthProxy.Tokens;

/// <summary>
/// The one cached credential of one provider (CONTRACT §3). The hot path — a valid cached token — is
/// a volatile read and two comparisons: no lock, no allocation. Misses share one in-flight fetch that
/// runs on the application's stopping token and the provider timeout, never on a caller's token.
/// Renewal starts in the background past <c>RefreshAfter</c>; failures back off exponentially.
/// </summary>
internal sealed class TokenCache : IDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    private readonly Lock _gate = new();
    private readonly ITokenSource _source;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TokenMetrics _metrics;
    private readonly CancellationToken _stopping;

    private AccessToken? _current;
    private Task<TokenResult>? _inflight;
    private long _retryAtUtcTicks;
    private int _consecutiveFailures;
    private long _lastRejectionDropTicks;

    // Status only; written under _gate.
    private long _successfulFetches;
    private long _failedFetches;
    private DateTimeOffset? _lastRefresh;
    private string? _lastError;

    public TokenCache(string name, TokenProviderOptions options, ITokenSource source, TimeProvider time, ILogger logger,
        TokenMetrics metrics, CancellationToken stopping)
    {
        Name = name;
        Options = options;
        _source = source;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _stopping = stopping;
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

    /// <summary>
    /// Drops <paramref name="rejected"/> if it is still the cached token, e.g. after an upstream 401.
    /// A token already replaced by another request is left alone, so concurrent 401s drop it once.
    /// </summary>
    public void Invalidate(AccessToken rejected, string why)
    {
        if (Interlocked.CompareExchange(ref _current, null, rejected) == rejected)
        {
            rejected.Retire();
            Log.TokenDropped(_logger, Name, why);
        }
    }

    /// <summary>
    /// Drops the cached token if it is the one an upstream just rejected with 401 (matched by the header value
    /// that was sent). A token that upstreams had accepted (it was revoked) is dropped at once; one never accepted
    /// at most once a second per provider, so an upstream that rejects every token (a wrong instance id, missing
    /// permissions) cannot turn each request into a token request.
    /// </summary>
    public void InvalidateRejected(string sentHeaderValue)
    {
        var token = Volatile.Read(ref _current);
        if (token is null || !string.Equals(token.HeaderValue, sentHeaderValue, StringComparison.Ordinal))
        {
            return;
        }

        var now = _time.GetUtcNow().UtcTicks;
        var last = Volatile.Read(ref _lastRejectionDropTicks);
        if (!token.Accepted && now - last < TimeSpan.TicksPerSecond)
        {
            return;
        }

        Volatile.Write(ref _lastRejectionDropTicks, now);
        Invalidate(token, "the upstream rejected it with 401");
    }

    /// <summary>Notes that an upstream accepted the current token (a non-401 answer on an AuthToken route).</summary>
    public void MarkCurrentAccepted() => Volatile.Read(ref _current)?.MarkAccepted();

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

        var now = _time.GetUtcNow();
        if (result.Succeeded && now >= result.Token.UsableUntil)
        {
            result = TokenResult.Fail(TokenFailureKind.Failed,
                $"the token endpoint issued a token that expires at {result.Token.ExpiresAt:O}, inside the expiry window");
        }

        var elapsed = _time.GetElapsedTime(started);
        var outcome = result.Succeeded ? "success" : result.Failure.Kind == TokenFailureKind.TimedOut ? "timeout" : "failed";
        _metrics.Fetched(Name, outcome, elapsed);
        activity?.SetTag(AuthProxyTelemetry.OutcomeTag, outcome);
        if (!result.Succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Failure.Reason);
        }

        lock (_gate)
        {
            if (result.Succeeded)
            {
                result.Token.StartTimers(_time, now);
                Interlocked.Exchange(ref _current, result.Token)?.Retire();
                _consecutiveFailures = 0;
                Volatile.Write(ref _retryAtUtcTicks, 0);
                _successfulFetches++;
                _lastRefresh = now;
                _lastError = null;
                Log.TokenObtained(_logger, Name, result.Token.ExpiresAt, result.Token.RefreshAt, elapsed.TotalMilliseconds);
            }
            else
            {
                var retryAt = now + NextBackoff(++_consecutiveFailures, result.Failure.RetryAfter);
                Volatile.Write(ref _retryAtUtcTicks, retryAt.UtcTicks);
                _failedFetches++;
                _lastError = result.Failure.Reason;
                Log.TokenFetchFailed(_logger, Name, result.Failure.Reason, retryAt);
            }

            // Publish the token (or the backoff) before clearing the flight, so late arrivals see it.
            _inflight = null;
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
