using System.Net;
using AuthProxy.Proxy;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using Yarp.ReverseProxy.Transforms;

namespace AuthProxy.Tests.Proxy;

/// <summary>
/// What the response transform makes of an upstream answer (README "How tokens behave"), one decision per test:
/// (a) token already replaced, (b) token newer than the request, (c) accepted by a later request, (d) revoked,
/// (e) no evidence, within or beyond the 10 s budget.
/// </summary>
public sealed class UnauthorizedResponseTransformTests : IDisposable
{
    private const string Refused = "/kms/api/v2/keys/forbidden";
    private const string Permitted = "/kms/api/v2/keys/permitted";

    private readonly ProxyTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    [Theory]
    [InlineData(HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.Created)]
    [InlineData(HttpStatusCode.NoContent)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task NonUnauthorizedAnswer_IsPassedOn_AndRecordsWhereTheTokenIsAccepted(HttpStatusCode status)
    {
        var token = await _kit.FillAsync("t");

        var answer = await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: Permitted), status);

        Assert.False(answer.SuppressResponseBody);
        Assert.True(token.Acceptance.Contains(ResourceKey.Of(_kit.Route.ResourceSeed, "GET", Permitted)));
        Assert.False(token.Acceptance.Contains(ResourceKey.Of(_kit.Route.ResourceSeed, "POST", Permitted)));
    }

    [Fact]
    public async Task A_TokenReplacedMeanwhile_RetriesWithTheCurrentOne_WithoutADrop()
    {
        var old = await _kit.FillAsync("old");
        var httpContext = ProxyTestKit.NewHttpContext(path: Refused);
        var sent = await _kit.SendAsync(httpContext);
        _kit.Cache.Invalidate(old, "another request's 401");
        var current = await _kit.FillAsync("current");

        var answer = await _kit.AnswerAsync(sent, HttpStatusCode.Unauthorized);

        AssertRetried(answer, UnauthorizedVerdict.RetryWithCurrent);
        Assert.Same(current, _kit.Cache.Current);
        Assert.Equal(2, _kit.Source.Calls);
    }

    [Fact]
    public async Task B_TokenObtainedAfterTheRequestBegan_IsARefusal()
    {
        var httpContext = ProxyTestKit.NewHttpContext(path: Refused);
        var sending = _kit.SendAsync(httpContext);
        (await _kit.Source.NextFetchAsync()).Succeed("fresh", _kit.Time.GetUtcNow(), ProxyTestKit.Lifetime);
        var sent = await sending.WaitAsync(TestTimeouts.Default);

        var answer = await _kit.AnswerAsync(sent, HttpStatusCode.Unauthorized);

        AssertPassedOn(answer, UnauthorizedVerdict.Refused);
        Assert.Equal("Bearer fresh", _kit.Cache.Current!.HeaderValue);

        // The resource refused a fresh token: its next 401 costs nothing either, and the budget is untouched.
        AssertPassedOn(await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: Refused), HttpStatusCode.Unauthorized), UnauthorizedVerdict.Refused);
        AssertRetried(await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: "/kms/api/v2/keys/other"), HttpStatusCode.Unauthorized), UnauthorizedVerdict.Dropped);
        Assert.Equal(1, _kit.Source.Calls);
    }

    [Fact]
    public async Task C_TokenAcceptedByARequestThatStartedLater_IsARefusal()
    {
        var token = await _kit.FillAsync("t");
        var refused = ProxyTestKit.NewHttpContext(path: Refused);
        var sent = await _kit.SendAsync(refused);
        refused.Features.Get<AuthTokenRequestState>()!.StartTick -= 1000; // it began a second before the next one
        await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: Permitted), HttpStatusCode.OK);

        var answer = await _kit.AnswerAsync(sent, HttpStatusCode.Unauthorized);

        AssertPassedOn(answer, UnauthorizedVerdict.Refused);
        Assert.Same(token, _kit.Cache.Current);
        Assert.Equal(1, _kit.Source.Calls);
    }

    [Fact]
    public async Task D_ResourceThatAcceptedTheToken_Refuses_ItIsDroppedAsRevoked()
    {
        await _kit.FillAsync("t");
        await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: Permitted), HttpStatusCode.OK);

        var answer = await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: Permitted), HttpStatusCode.Unauthorized);

        AssertRetried(answer, UnauthorizedVerdict.Revoked);
        Assert.Null(_kit.Cache.Current);
    }

    [Fact]
    public async Task D_RetryWithANewTokenRefusedToo_DisprovesTheGuess_SoTheNextOneIsBudgeted()
    {
        await _kit.FillAsync("t");
        await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: Permitted), HttpStatusCode.OK);
        var httpContext = ProxyTestKit.NewHttpContext(path: Permitted);
        AssertRetried(await _kit.ExchangeAsync(httpContext, HttpStatusCode.Unauthorized), UnauthorizedVerdict.Revoked);
        var retry = _kit.SendAsync(httpContext);
        (await _kit.Source.NextFetchAsync()).Succeed("new", _kit.Time.GetUtcNow(), ProxyTestKit.Lifetime);
        await _kit.AnswerAsync(await retry.WaitAsync(TestTimeouts.Default), HttpStatusCode.Unauthorized);
        await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: Permitted), HttpStatusCode.OK);

        var answer = await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: Permitted), HttpStatusCode.Unauthorized);

        AssertPassedOn(answer, UnauthorizedVerdict.Refused);
        Assert.Equal("Bearer new", _kit.Cache.Current!.HeaderValue);
        Assert.Equal(2, _kit.Source.Calls);
    }

    [Fact]
    public async Task E_NoEvidence_DropsOnce_ThenRefusesForTenSeconds()
    {
        await _kit.FillAsync("first");
        AssertRetried(await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: Refused), HttpStatusCode.Unauthorized), UnauthorizedVerdict.Dropped);
        var second = await _kit.FillAsync("second");

        var answer = await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: "/kms/api/v2/keys/other"), HttpStatusCode.Unauthorized);

        AssertPassedOn(answer, UnauthorizedVerdict.Refused); // retrying with the same token would be pointless
        Assert.Same(second, _kit.Cache.Current);

        _kit.Time.Advance(TokenCache.UnprovenDropInterval);
        AssertRetried(await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: "/kms/api/v2/keys/other"), HttpStatusCode.Unauthorized), UnauthorizedVerdict.Dropped);
    }

    [Fact]
    public async Task NotReplayable_DropsWithinTheBudget_ButPassesThe401On()
    {
        var token = await _kit.FillAsync("t");
        await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext(path: Permitted), HttpStatusCode.OK);

        var answer = await _kit.ExchangeAsync(ProxyTestKit.NewHttpContext("POST", Permitted, replayable: false), HttpStatusCode.Unauthorized);

        AssertPassedOn(answer, UnauthorizedVerdict.Dropped);
        Assert.NotSame(token, _kit.Cache.Current);
    }

    [Fact]
    public async Task SecondUnauthorized_OnTheRetry_GoesToTheClient()
    {
        await _kit.FillAsync("first");
        var httpContext = ProxyTestKit.NewHttpContext(path: Refused);
        AssertRetried(await _kit.ExchangeAsync(httpContext, HttpStatusCode.Unauthorized), UnauthorizedVerdict.Dropped);
        var state = httpContext.Features.Get<AuthTokenRequestState>()!;
        state.RetryRequested = false; // as the middleware leaves it before running the forwarder again
        var retry = _kit.SendAsync(httpContext);
        (await _kit.Source.NextFetchAsync()).Succeed("second", _kit.Time.GetUtcNow(), ProxyTestKit.Lifetime);

        var answer = await _kit.AnswerAsync(await retry.WaitAsync(TestTimeouts.Default), HttpStatusCode.Unauthorized);

        Assert.False(answer.SuppressResponseBody);
        Assert.False(state.RetryRequested);
        Assert.Equal(UnauthorizedVerdict.Dropped, state.Verdict); // the first attempt's verdict stays
        Assert.Equal("Bearer second", _kit.Cache.Current!.HeaderValue);
    }

    [Fact]
    public async Task RequestWithoutACredential_OrWithoutAnUpstreamAnswer_IsLeftAlone()
    {
        var token = await _kit.FillAsync("t");
        var unknown = new DefaultHttpContext(); // no request state: the request transform never ran
        var noState = new ResponseTransformContext
        {
            HttpContext = unknown,
            ProxyResponse = new HttpResponseMessage(HttpStatusCode.Unauthorized),
        };
        var noAnswer = new ResponseTransformContext { HttpContext = ProxyTestKit.NewHttpContext(), ProxyResponse = null };

        await _kit.ResponseTransform.ApplyAsync(noState);
        await _kit.ResponseTransform.ApplyAsync(noAnswer);

        Assert.False(noState.SuppressResponseBody);
        Assert.Same(token, _kit.Cache.Current);
    }

    private static void AssertRetried(ResponseTransformContext answer, UnauthorizedVerdict verdict)
    {
        var state = answer.HttpContext.Features.Get<AuthTokenRequestState>()!;
        Assert.Equal(verdict, state.Verdict);
        Assert.True(state.RetryRequested);
        Assert.True(answer.SuppressResponseBody);
    }

    private static void AssertPassedOn(ResponseTransformContext answer, UnauthorizedVerdict verdict)
    {
        var state = answer.HttpContext.Features.Get<AuthTokenRequestState>()!;
        Assert.Equal(verdict, state.Verdict);
        Assert.False(state.RetryRequested);
        Assert.False(answer.SuppressResponseBody);
    }
}
