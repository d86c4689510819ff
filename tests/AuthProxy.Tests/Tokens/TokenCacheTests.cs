using System.Diagnostics.Metrics;
using AuthProxy.Telemetry;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using Microsoft.Extensions.Logging.Abstractions;

namespace AuthProxy.Tests.Tokens;

public sealed class TokenCacheTests : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(100);

    private readonly FakeTimeProvider _time = new();
    private readonly FakeTokenSource _source = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TokenCache _cache;

    public TokenCacheTests()
    {
        _cache = new TokenCache("kp", new TokenProviderOptions { Type = "IamApiKey" }, _source, _time, NullLogger.Instance,
            new TokenMetrics(new TestMeterFactory()), _stopping.Token);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task GetAsync_CachedToken_ReturnsItSynchronouslyWithoutFetching()
    {
        await FillAsync("first");

        var again = _cache.GetAsync(CancellationToken.None);

        Assert.True(again.IsCompletedSuccessfully);
        Assert.Equal("Bearer first", again.Result.Token!.HeaderValue);
        Assert.Equal(1, _source.Calls);
    }

    [Fact]
    public async Task GetAsync_PastRefreshAfter_ServesOldTokenWhileRenewingInBackground()
    {
        await FillAsync("old");
        _time.Advance(TimeSpan.FromSeconds(81)); // past 80% of 100 s, outside the 10 s window

        var during = _cache.GetAsync(CancellationToken.None);
        Assert.True(during.IsCompletedSuccessfully);
        Assert.Equal("Bearer old", during.Result.Token!.HeaderValue);

        var renewal = await _source.NextFetchAsync();
        Assert.Equal(2, _source.Calls);
        Assert.Equal("Bearer old", (await _cache.GetAsync(CancellationToken.None)).Token!.HeaderValue); // still served, no second fetch
        Assert.Equal(2, _source.Calls);

        renewal.Succeed("new", _time.GetUtcNow(), Lifetime);
        await WaitUntilAsync(() => _cache.GetAsync(CancellationToken.None).Result.Token?.HeaderValue == "Bearer new");
        Assert.Equal(2, _source.Calls);
    }

    [Theory]
    [InlineData(90)]   // exactly at the start of the 10 s window
    [InlineData(95)]   // inside it
    [InlineData(100)]  // at expiry
    [InlineData(500)]  // long expired
    public async Task GetAsync_TokenInsideExpiryWindow_IsNeverReturned(int secondsLater)
    {
        await FillAsync("old");
        _time.Advance(TimeSpan.FromSeconds(secondsLater));

        var pending = _cache.GetAsync(CancellationToken.None);
        Assert.False(pending.IsCompleted);

        var fetch = await _source.NextFetchAsync();
        fetch.Succeed("new", _time.GetUtcNow(), Lifetime);
        var result = await pending;
        Assert.Equal("Bearer new", result.Token!.HeaderValue);
    }

    [Fact]
    public void ExpiryWindow_IsTenPercentOfLifetime_WhenThatIsShorter()
    {
        var now = _time.GetUtcNow();
        var token = AccessToken.Create("Bearer t", now, now, now.AddSeconds(30), 0.8, TimeSpan.FromSeconds(10));

        Assert.Equal(now.AddSeconds(27), token.UsableUntil);
        Assert.Equal(now.AddSeconds(24), token.RefreshAt);
    }

    [Fact]
    public void RefreshAt_AlreadyPassedOnArrival_IsMeasuredFromWhenTheTokenWasObtained()
    {
        // An IdP that hands out a cached token: issued 50 min ago, 10 min left. Renewing "at once" would loop.
        var now = _time.GetUtcNow();
        var token = AccessToken.Create("Bearer t", now, now.AddMinutes(-50), now.AddMinutes(10), 0.8, TimeSpan.FromSeconds(10));

        Assert.Equal(now.AddMinutes(8), token.RefreshAt);
    }

    [Fact]
    public async Task CachedToken_PhaseFollowsTimers_NotAClockReadPerRequest()
    {
        var token = await FillAsync("t");
        Assert.Equal(TokenPhase.Fresh, token.Phase);

        _time.Advance(TimeSpan.FromSeconds(80));
        Assert.Equal(TokenPhase.RefreshDue, token.Phase);

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(TokenPhase.Unusable, token.Phase);
    }

    [Fact]
    public void FarFutureExpiry_BeyondTheSystemTimerLimit_IsScheduledWithoutError()
    {
        // Found by the benchmark: an IdP answering "expiration": 4102444800 (year 2100). System timers max out at ~49 days.
        var now = TimeProvider.System.GetUtcNow();
        var token = AccessToken.Create("Bearer far", now, now, DateTimeOffset.FromUnixTimeSeconds(4102444800), 0.8, TimeSpan.FromSeconds(10));

        token.StartTimers(TimeProvider.System, now);

        Assert.Equal(TokenPhase.Fresh, token.Phase);
        token.Retire();
    }

    [Fact]
    public async Task FarFutureExpiry_TimerReArmsUntilTheInstantIsReached()
    {
        var now = _time.GetUtcNow();
        var token = AccessToken.Create("Bearer far", now, now, now.AddDays(100), 0.8, TimeSpan.FromSeconds(10));
        token.StartTimers(_time, now);

        _time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(TokenPhase.Fresh, token.Phase);
        _time.Advance(TimeSpan.FromDays(50)); // 80 days: RefreshAt
        Assert.Equal(TokenPhase.RefreshDue, token.Phase);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task GetAsync_HundredConcurrentMisses_CauseOneFetch()
    {
        var callers = Enumerable.Range(0, 100).Select(_ => Task.Run(() => _cache.GetAsync(CancellationToken.None).AsTask())).ToArray();
        var fetch = await _source.NextFetchAsync();
        fetch.Succeed("shared", _time.GetUtcNow(), Lifetime);

        var results = await Task.WhenAll(callers).WaitAsync(TestTimeouts.Default);

        Assert.All(results, r => Assert.Equal("Bearer shared", r.Token!.HeaderValue));
        Assert.Equal(1, _source.Calls);
    }

    [Fact]
    public async Task GetAsync_FirstCallerCancelled_OthersStillGetTheToken()
    {
        using var firstCallerGone = new CancellationTokenSource();
        var first = _cache.GetAsync(firstCallerGone.Token).AsTask();
        var fetch = await _source.NextFetchAsync();
        var second = _cache.GetAsync(CancellationToken.None).AsTask();

        await firstCallerGone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.WaitAsync(TestTimeouts.Default));
        Assert.False(fetch.Token.IsCancellationRequested); // the shared fetch does not run on a caller's token

        fetch.Succeed("shared", _time.GetUtcNow(), Lifetime);
        Assert.Equal("Bearer shared", (await second.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
        Assert.Equal(1, _source.Calls);
    }

    [Fact]
    public async Task GetAsync_FailedFetch_IsNotCachedAndIsRetriedAfterBackoff()
    {
        var first = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Fail();
        var failed = await first.WaitAsync(TestTimeouts.Default);
        Assert.False(failed.Succeeded);
        Assert.Equal(TokenFailureKind.Failed, failed.Failure.Kind);
        Assert.Equal(502, failed.Failure.StatusCode);

        _time.Advance(TimeSpan.FromSeconds(2)); // past the first backoff step (1 s ± 20%)
        var second = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Succeed("good", _time.GetUtcNow(), Lifetime);

        Assert.Equal("Bearer good", (await second.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
        Assert.Equal(2, _source.Calls);
    }

    [Fact]
    public async Task GetAsync_DuringBackoff_AnswersBackingOffAtOnceWithoutFetching()
    {
        var first = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Fail();
        await first.WaitAsync(TestTimeouts.Default);

        var during = _cache.GetAsync(CancellationToken.None);

        Assert.True(during.IsCompleted);
        var failure = during.Result.Failure!;
        Assert.Equal(TokenFailureKind.BackingOff, failure.Kind);
        Assert.Equal(503, failure.StatusCode);
        Assert.InRange(failure.RetryAfter!.Value.TotalSeconds, 1, 2); // 1 s ± 20%, rounded up
        Assert.Equal(1, _source.Calls);
        Assert.Equal("backoff", _cache.GetStatus().State);
    }

    [Fact]
    public async Task Backoff_HonoursRetryAfterFromTokenEndpoint()
    {
        var first = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Fail(retryAfter: TimeSpan.FromSeconds(30));
        await first.WaitAsync(TestTimeouts.Default);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(TokenFailureKind.BackingOff, _cache.GetAsync(CancellationToken.None).Result.Failure!.Kind);

        _time.Advance(TimeSpan.FromSeconds(1));
        var next = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Succeed("ok", _time.GetUtcNow(), Lifetime);
        Assert.True((await next.WaitAsync(TestTimeouts.Default)).Succeeded);
    }

    [Theory]
    [InlineData(1, 0.8, 1.2)]
    [InlineData(2, 1.6, 2.4)]
    [InlineData(3, 3.2, 4.8)]
    [InlineData(7, 48, 60)]
    [InlineData(30, 48, 60)]
    public void NextBackoff_DoublesFromOneSecondWithJitterCappedAtSixty(int failures, double min, double max)
    {
        for (var i = 0; i < 50; i++)
        {
            var delay = TokenCache.NextBackoff(failures, null).TotalSeconds;
            Assert.InRange(delay, min, max);
        }
    }

    [Fact]
    public async Task Success_ResetsBackoff()
    {
        var first = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Fail();
        await first.WaitAsync(TestTimeouts.Default);
        _time.Advance(TimeSpan.FromSeconds(2));
        var second = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Succeed("ok", _time.GetUtcNow(), Lifetime);
        var token = (await second.WaitAsync(TestTimeouts.Default)).Token!;

        _cache.Invalidate(token, "test");
        var third = _cache.GetAsync(CancellationToken.None).AsTask(); // no backoff left: fetches at once
        (await _source.NextFetchAsync()).Succeed("again", _time.GetUtcNow(), Lifetime);
        Assert.Equal("Bearer again", (await third.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
    }

    [Fact]
    public async Task Invalidate_OnlyDropsTheExactToken()
    {
        var old = await FillAsync("old");
        _cache.Invalidate(old, "401");
        var refetch = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Succeed("new", _time.GetUtcNow(), Lifetime);
        await refetch.WaitAsync(TestTimeouts.Default);

        _cache.Invalidate(old, "a late 401 for the old token");

        var current = _cache.GetAsync(CancellationToken.None);
        Assert.True(current.IsCompletedSuccessfully);
        Assert.Equal("Bearer new", current.Result.Token!.HeaderValue);
        Assert.Equal(2, _source.Calls);
    }

    [Fact]
    public async Task Fetch_PastTimeout_FailsAsTimedOut()
    {
        var pending = _cache.GetAsync(CancellationToken.None).AsTask();
        var fetch = await _source.NextFetchAsync();

        _time.Advance(TimeSpan.FromSeconds(10)); // the default Timeout

        var result = await pending.WaitAsync(TestTimeouts.Default);
        Assert.True(fetch.Token.IsCancellationRequested);
        Assert.Equal(TokenFailureKind.TimedOut, result.Failure!.Kind);
        Assert.Equal(504, result.Failure.StatusCode);
    }

    [Fact]
    public async Task Fetch_TokenAlreadyInsideWindow_IsRejectedNotServed()
    {
        var pending = _cache.GetAsync(CancellationToken.None).AsTask();
        var fetch = await _source.NextFetchAsync();
        var now = _time.GetUtcNow();
        fetch.Completion.SetResult(AccessToken.Create("Bearer stale", now, now.AddSeconds(-100), now.AddSeconds(1), 0.8, TimeSpan.FromSeconds(10)));

        var result = await pending.WaitAsync(TestTimeouts.Default);

        Assert.False(result.Succeeded);
        Assert.Contains("inside the expiry window", result.Failure.Reason);
    }

    [Fact]
    public void AccessToken_ToString_DoesNotRevealTheCredential()
    {
        var now = _time.GetUtcNow();
        var token = AccessToken.Create("Bearer very-secret-token", now, now, now.AddHours(1), 0.8, TimeSpan.FromSeconds(10));

        Assert.DoesNotContain("very-secret-token", token.ToString());
        Assert.DoesNotContain("very-secret-token", new TokenResult(token).ToString());
    }

    private async Task<AccessToken> FillAsync(string value)
    {
        var pending = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Succeed(value, _time.GetUtcNow(), Lifetime);
        return (await pending.WaitAsync(TestTimeouts.Default)).Token!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = TestTimeouts.Cts();
        while (!condition())
        {
            await Task.Yield();
            cts.Token.ThrowIfCancellationRequested();
        }
    }
}

internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose() => _meters.ForEach(m => m.Dispose());
}
