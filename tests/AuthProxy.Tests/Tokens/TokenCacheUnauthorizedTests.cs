using AuthProxy.Telemetry;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using Microsoft.Extensions.Logging.Abstractions;

namespace AuthProxy.Tests.Tokens;

/// <summary>
/// <see cref="TokenCache.JudgeUnauthorized"/> on a fake clock: drops that nothing shows to be a revocation happen at most
/// once per provider per 10 s, revocations are dropped at once, and a revocation guess that its retry disproves is charged (README
/// "How tokens behave").
/// </summary>
public sealed class TokenCacheUnauthorizedTests : IDisposable
{
    private const ulong ResourceA = 0xA;
    private const ulong ResourceB = 0xB;
    private const ulong ResourceC = 0xC;
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private readonly FakeTimeProvider _time = new(TestClock.Start);
    private readonly FakeTokenSource _source = new();
    private readonly TokenCache _cache;

    public TokenCacheUnauthorizedTests()
    {
        _cache = new TokenCache("kp", new TokenProviderOptions { Type = "IamApiKey" }, _source, _time, NullLogger.Instance,
            new TokenMetrics(new TestMeterFactory()), CancellationToken.None);
    }

    public void Dispose() => _cache.Dispose();

    [Fact]
    public async Task WithoutEvidence_ADropIsAllowedOncePerTenSeconds()
    {
        var first = await FillAsync("first");
        Assert.Equal(UnauthorizedVerdict.Dropped, Judge(first, ResourceA));
        var second = await FillAsync("second");

        _time.Advance(TimeSpan.FromSeconds(9.999));
        Assert.Equal(UnauthorizedVerdict.Refused, Judge(second, ResourceB));
        Assert.Same(second, _cache.Current);
        Assert.Equal(2, _source.Calls);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(UnauthorizedVerdict.Dropped, Judge(second, ResourceB));
        Assert.Null(_cache.Current);
    }

    [Fact]
    public async Task Revocation_IsDroppedAtOnce_EvenRightAfterAnUnprovenDrop()
    {
        var first = await FillAsync("first");
        Assert.Equal(UnauthorizedVerdict.Dropped, Judge(first, ResourceB)); // spends the budget
        var second = await FillAsync("second");
        _cache.RecordAccepted(second, ResourceA, startTick: 1);

        Assert.Equal(UnauthorizedVerdict.Revoked, Judge(second, ResourceA, startTick: 2));
        var third = await FillAsync("third");
        _cache.RecordAccepted(third, ResourceA, startTick: 3);
        Assert.Equal(UnauthorizedVerdict.Revoked, Judge(third, ResourceA, startTick: 4)); // rotated twice in a row
        Assert.Equal(3, _source.Calls);
    }

    [Fact]
    public async Task Revocation_OfARequestThatCannotBeRetried_IsLeftToTheBudget()
    {
        var first = await FillAsync("first");
        Assert.Equal(UnauthorizedVerdict.Dropped, Judge(first, ResourceB));
        var second = await FillAsync("second");
        _cache.RecordAccepted(second, ResourceA, startTick: 1);

        // Nothing could prove the guess, so it must not be free: the budget is spent.
        Assert.Equal(UnauthorizedVerdict.Refused, Judge(second, ResourceA, startTick: 2, canRetry: false));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(UnauthorizedVerdict.Dropped, Judge(second, ResourceA, startTick: 2, canRetry: false));
    }

    [Fact]
    public async Task DisprovedRevocation_ChargesTheBudget_AndPausesRevocationGuessesForTwentySeconds()
    {
        var first = await FillAsync("first");
        _cache.RecordAccepted(first, ResourceA, startTick: 1);
        Assert.Equal(UnauthorizedVerdict.Revoked, Judge(first, ResourceA, startTick: 2));
        _cache.RevocationDisproved(); // its retry with a new token got 401 too: the 401 was about the request

        var second = await FillAsync("second");
        _cache.RecordAccepted(second, ResourceA, startTick: 3);
        _time.Advance(TimeSpan.FromSeconds(9.999));
        Assert.Equal(UnauthorizedVerdict.Refused, Judge(second, ResourceA, startTick: 4)); // no guess, and the budget is spent
        Assert.Equal(UnauthorizedVerdict.Refused, Judge(second, ResourceC, startTick: 4));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(UnauthorizedVerdict.Dropped, Judge(second, ResourceA, startTick: 4)); // within the budget, not as a guess
        var third = await FillAsync("third");
        _cache.RecordAccepted(third, ResourceA, startTick: 5);
        _time.Advance(TimeSpan.FromSeconds(9.999));
        Assert.Equal(UnauthorizedVerdict.Refused, Judge(third, ResourceA, startTick: 6));

        _time.Advance(TimeSpan.FromMilliseconds(1)); // 20 s after the disproved guess
        Assert.Equal(UnauthorizedVerdict.Revoked, Judge(third, ResourceA, startTick: 6));
        Assert.Equal(3, _source.Calls);
    }

    [Fact]
    public async Task DisprovedRevocationsInARow_CostAtMostOneTokenRequestPerTenSecondsOverall()
    {
        // An adversary that gets the same resource accepted and refused in turn (e.g. by varying a header) and makes every
        // revocation guess fail, for ten minutes.
        var drops = 0;
        for (var second = 0; second < 600; second++)
        {
            var token = _cache.Current ?? await FillAsync($"t{second}");
            _cache.RecordAccepted(token, ResourceA, startTick: 2 * second);
            var verdict = Judge(token, ResourceA, startTick: (2 * second) + 1);
            if (verdict == UnauthorizedVerdict.Revoked)
            {
                _cache.RevocationDisproved();
            }

            if (verdict is UnauthorizedVerdict.Revoked or UnauthorizedVerdict.Dropped)
            {
                drops++;
            }

            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(drops, 1, 61);
    }

    [Fact]
    public async Task TokenObtainedAfterTheRequestBegan_IsARefusal_AndTheResourceIsRememberedUntilItAccepts()
    {
        var token = await FillAsync("t");

        Assert.Equal(UnauthorizedVerdict.Refused, _cache.JudgeUnauthorized(token, currentAtStart: null, 0, ResourceB, canRetry: true));
        Assert.Equal(UnauthorizedVerdict.Refused, Judge(token, ResourceB)); // refused a fresh token: costs nothing, budget unspent
        Assert.Same(token, _cache.Current);

        _cache.RecordAccepted(token, ResourceB, startTick: 0); // permission granted: the resource is forgotten as refusing
        Assert.Equal(UnauthorizedVerdict.Revoked, Judge(token, ResourceB, startTick: 1));
    }

    [Fact]
    public async Task TokenAcceptedByALaterRequest_IsARefusal()
    {
        var token = await FillAsync("t");
        _cache.RecordAccepted(token, ResourceA, startTick: 11);

        Assert.Equal(UnauthorizedVerdict.Refused, Judge(token, ResourceB, startTick: 10));
        Assert.Equal(UnauthorizedVerdict.Dropped, Judge(token, ResourceB, startTick: 11)); // same tick: no evidence
    }

    [Fact]
    public async Task TokenNoLongerCached_IsRetriedWithTheCurrentOne_WithoutADrop()
    {
        var old = await FillAsync("old");
        Assert.True(_cache.Invalidate(old, "test"));
        var current = await FillAsync("current");

        Assert.Equal(UnauthorizedVerdict.RetryWithCurrent, Judge(old, ResourceA));
        Assert.Same(current, _cache.Current);
        Assert.Equal(UnauthorizedVerdict.Dropped, Judge(current, ResourceA)); // the budget was not touched
    }

    private UnauthorizedVerdict Judge(AccessToken sent, ulong resource, long startTick = 0, bool canRetry = true) =>
        _cache.JudgeUnauthorized(sent, sent, startTick, resource, canRetry);

    private async Task<AccessToken> FillAsync(string value)
    {
        var pending = _cache.GetAsync(CancellationToken.None).AsTask();
        (await _source.NextFetchAsync()).Succeed(value, _time.GetUtcNow(), Lifetime);
        return (await pending.WaitAsync(TestTimeouts.Default)).Token!;
    }
}
