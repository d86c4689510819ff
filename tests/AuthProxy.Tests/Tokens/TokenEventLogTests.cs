using AuthProxy.Telemetry;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using Microsoft.Extensions.Logging.Abstractions;

namespace AuthProxy.Tests.Tokens;

/// <summary>The token events the dashboard lists: what the cache records, in which order, and how many are kept.</summary>
public sealed class TokenEventLogTests : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(100);

    private readonly FakeTimeProvider _time = new();
    private readonly FakeTokenSource _source = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TokenEventLog _log = new();
    private readonly TokenCache _cache;

    public TokenEventLogTests()
    {
        _cache = new TokenCache("kp", new TokenProviderOptions { Type = "IamApiKey" }, _source, _time, NullLogger.Instance,
            new TokenMetrics(new TestMeterFactory()), _stopping.Token, events: _log);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public void Recent_KeepsTheLast50_NewestFirst()
    {
        var log = new TokenEventLog();
        var start = _time.GetUtcNow();
        for (var i = 0; i < 60; i++)
        {
            log.Record(new TokenEvent(start.AddSeconds(i), $"p{i}", TokenEventKind.Fetched, "token obtained", null));
        }

        var recent = log.Recent();

        Assert.Equal(TokenEventLog.Capacity, recent.Count);
        Assert.Equal("p59", recent[0].Provider);
        Assert.Equal("p10", recent[^1].Provider);
        Assert.True(recent.Zip(recent.Skip(1)).All(p => p.First.At > p.Second.At));
    }

    [Fact]
    public void Recent_WhenEmpty_IsEmpty() => Assert.Empty(new TokenEventLog().Recent());

    [Fact]
    public async Task FirstToken_IsFetched_WithItsExpiry()
    {
        var token = await FillAsync("first");

        var fetched = Assert.Single(_log.Recent());
        Assert.Equal(TokenEventKind.Fetched, fetched.Kind);
        Assert.Equal("kp", fetched.Provider);
        Assert.Equal(_time.GetUtcNow(), fetched.At);
        Assert.Equal(token.ExpiresAt, fetched.Until);
    }

    [Fact]
    public async Task BackgroundRenewal_IsRenewed()
    {
        await FillAsync("old");
        _time.Advance(TimeSpan.FromSeconds(81));

        Assert.True((await _cache.GetAsync(CancellationToken.None)).Succeeded); // the old token serves; renewal starts
        (await _source.NextFetchAsync()).Succeed("new", _time.GetUtcNow(), Lifetime);
        await WaitUntilAsync(() => _log.Recent().Count == 2);

        Assert.Equal([TokenEventKind.Renewed, TokenEventKind.Fetched], _log.Recent().Select(e => e.Kind));
    }

    [Fact]
    public async Task TokenPastItsExpiry_IsFetchedAgain_NotRenewed()
    {
        await FillAsync("old");
        _time.Advance(TimeSpan.FromSeconds(95)); // inside the expiry window: not usable

        await FillAsync("new");

        Assert.Equal([TokenEventKind.Fetched, TokenEventKind.Fetched], _log.Recent().Select(e => e.Kind));
    }

    [Fact]
    public async Task Failures_StartABackoffOnce_AndTheNextTokenEndsIt()
    {
        await FailAsync("the token endpoint answered 500 Internal Server Error");
        var afterFirst = _log.Recent();
        Assert.Equal([TokenEventKind.BackoffStarted, TokenEventKind.Failed], afterFirst.Select(e => e.Kind));
        Assert.Equal("the token endpoint answered 500 Internal Server Error", afterFirst[1].Detail);
        Assert.Equal(_cache.GetStatus().RetryAt, afterFirst[1].Until);
        Assert.Equal(afterFirst[1].Until, afterFirst[0].Until);

        _time.Advance(TimeSpan.FromSeconds(2)); // past the first backoff (1 s ± 20%)
        await FailAsync("the token endpoint did not answer within 10 s");
        Assert.Equal([TokenEventKind.Failed, TokenEventKind.BackoffStarted, TokenEventKind.Failed], _log.Recent().Select(e => e.Kind));

        _time.Advance(TimeSpan.FromSeconds(3)); // past the second (2 s ± 20%)
        await FillAsync("t");

        var recent = _log.Recent();
        Assert.Equal([TokenEventKind.BackoffEnded, TokenEventKind.Fetched, TokenEventKind.Failed], recent.Take(3).Select(e => e.Kind));
        Assert.Contains("2 failed", recent[0].Detail);
    }

    [Fact]
    public async Task DroppedToken_IsRecordedWithWhy_AndAnotherDropOfTheSameTokenIsNot()
    {
        var token = await FillAsync("t");

        Assert.True(_cache.Invalidate(token, "the upstream answered 401"));
        Assert.False(_cache.Invalidate(token, "the upstream answered 401"));

        var dropped = _log.Recent()[0];
        Assert.Equal(TokenEventKind.Dropped, dropped.Kind);
        Assert.Equal("the upstream answered 401", dropped.Detail);
        Assert.Null(dropped.Until);
        Assert.Equal(2, _log.Recent().Count);
    }

    [Fact]
    public async Task Events_NeverHoldTheToken()
    {
        var token = await FillAsync("secret-token-value");
        _cache.Invalidate(token, "the upstream answered 401");

        Assert.All(_log.Recent(), e => Assert.DoesNotContain("secret-token-value", e.ToString()));
    }

    [Fact]
    public async Task CacheWithoutALog_RecordsNothing_AndWorksAsBefore()
    {
        using var cache = new TokenCache("kp", new TokenProviderOptions { Type = "IamApiKey" }, _source, _time, NullLogger.Instance,
            new TokenMetrics(new TestMeterFactory()), _stopping.Token);
        var pending = cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Succeed("t", _time.GetUtcNow(), Lifetime);

        Assert.True((await pending.WaitAsync(TestTimeouts.Default)).Succeeded);
        Assert.Empty(_log.Recent());
    }

    private async Task<AccessToken> FillAsync(string value)
    {
        var pending = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Succeed(value, _time.GetUtcNow(), Lifetime);
        return (await pending.WaitAsync(TestTimeouts.Default)).Token!;
    }

    private async Task FailAsync(string reason)
    {
        var pending = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Fail(reason: reason);
        Assert.False((await pending.WaitAsync(TestTimeouts.Default)).Succeeded);
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
