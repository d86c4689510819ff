using System.Net;
using System.Text.Json;
using AuthProxy.Proxy;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;

namespace AuthProxy.Tests.Proxy;

/// <summary>The <c>AuthToken</c> request transform, on YARP's own contexts (YARP <c>RequestHeaderValueTransformTests</c> style).</summary>
public sealed class AuthTokenRequestTransformTests : IDisposable
{
    private readonly ProxyTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("Basic Y2xpZW50OmtleQ==")]
    [InlineData("Bearer the-clients-own-token")]
    [InlineData("Bearer one|Bearer two")]
    [InlineData("")]
    public async Task ApplyAsync_ReplacesAnyAuthorization_WithTheProvidersCredential(string? existing)
    {
        var token = await _kit.FillAsync("provider-token");
        var values = existing?.Split('|') ?? [];
        var request = ProxyTestKit.NewRequestContext(ProxyTestKit.NewHttpContext(),
            [.. values.Select(v => ("Authorization", v)), ("Accept", "application/json")]);

        var pending = _kit.RequestTransform.ApplyAsync(request);

        Assert.True(pending.IsCompletedSuccessfully); // a cached token: no await
        Assert.Equal(["Bearer provider-token"], request.ProxyRequest.Headers.GetValues("Authorization"));
        Assert.Equal(["application/json"], request.ProxyRequest.Headers.GetValues("Accept"));
        Assert.Null(request.HttpContext.Response.ContentType);
        var state = request.HttpContext.Features.Get<AuthTokenRequestState>()!;
        Assert.Same(token, state.Token);
        Assert.Same(token, state.CurrentAtStart);
        Assert.Equal(1, state.Attempts);
    }

    [Fact]
    public async Task ApplyAsync_WaitingForAFetch_NotesTheTokenWasObtainedAfterTheRequestBegan()
    {
        var httpContext = ProxyTestKit.NewHttpContext();
        var request = ProxyTestKit.NewRequestContext(httpContext);

        var pending = _kit.RequestTransform.ApplyAsync(request).AsTask();
        (await _kit.Source.NextFetchAsync()).Succeed("fresh", _kit.Time.GetUtcNow(), ProxyTestKit.Lifetime);
        await pending.WaitAsync(TestTimeouts.Default);

        var state = httpContext.Features.Get<AuthTokenRequestState>()!;
        Assert.Equal("Bearer fresh", state.Token!.HeaderValue);
        Assert.Null(state.CurrentAtStart);
        Assert.Equal(["Bearer fresh"], request.ProxyRequest.Headers.GetValues("Authorization"));
    }

    [Fact]
    public async Task ApplyAsync_OnTheRetry_KeepsTheFirstAttemptsStart()
    {
        var first = await _kit.FillAsync("first");
        var httpContext = ProxyTestKit.NewHttpContext();
        await _kit.SendAsync(httpContext);
        var state = httpContext.Features.Get<AuthTokenRequestState>()!;
        var start = state.StartTick;
        _kit.Cache.Invalidate(first, "test");
        var second = _kit.FillAsync("second");

        await _kit.SendAsync(httpContext);
        await second;

        Assert.Equal(2, state.Attempts);
        Assert.Equal(start, state.StartTick);
        Assert.Same(first, state.CurrentAtStart);
        Assert.Same(await second, state.Token);
    }

    public static TheoryData<TokenFailureKind, int, string> Failures => new()
    {
        { TokenFailureKind.Failed, 502, "Token provider 'kp' failed" },
        { TokenFailureKind.TimedOut, 504, "Token provider 'kp' timed out" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task ApplyAsync_NoTokenCanBeHad_WritesTheProblemAnswer_AndSetsNoCredential(TokenFailureKind kind, int status, string title)
    {
        var httpContext = ProxyTestKit.NewHttpContext();
        var request = ProxyTestKit.NewRequestContext(httpContext, ("Authorization", "Basic Y2xpZW50OmtleQ=="));

        var pending = _kit.RequestTransform.ApplyAsync(request).AsTask();
        (await _kit.Source.NextFetchAsync()).Fail(kind, "the token endpoint answered 400 (BXNIM0415E)");
        await pending.WaitAsync(TestTimeouts.Default);

        var problem = await ReadProblemAsync(httpContext, status);
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Contains("BXNIM0415E", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(httpContext.Response.Headers.ContainsKey("Retry-After"));
        Assert.Null(httpContext.Features.Get<AuthTokenRequestState>()!.Token);
    }

    [Fact]
    public async Task ApplyAsync_DuringBackoff_Answers503WithRetryAfter_AtOnce()
    {
        var first = _kit.RequestTransform.ApplyAsync(ProxyTestKit.NewRequestContext(ProxyTestKit.NewHttpContext())).AsTask();
        (await _kit.Source.NextFetchAsync()).Fail();
        await first.WaitAsync(TestTimeouts.Default);
        var httpContext = ProxyTestKit.NewHttpContext();

        var pending = _kit.RequestTransform.ApplyAsync(ProxyTestKit.NewRequestContext(httpContext));

        Assert.True(pending.IsCompleted);
        var problem = await ReadProblemAsync(httpContext, 503);
        Assert.Equal("Token provider 'kp' is temporarily unavailable", problem.GetProperty("title").GetString());
        Assert.True(int.Parse(httpContext.Response.Headers.RetryAfter.ToString()) >= 1);
        Assert.Equal(1, _kit.Source.Calls);
    }

    [Fact]
    public async Task ApplyAsync_ProviderRemovedFromConfiguration_Answers502NamingIt()
    {
        var transform = new AuthTokenRequestTransform(new TokenProviderSlot("gone"));
        var httpContext = ProxyTestKit.NewHttpContext();

        await transform.ApplyAsync(ProxyTestKit.NewRequestContext(httpContext));

        var problem = await ReadProblemAsync(httpContext, 502);
        Assert.Equal("Token provider 'gone' is not configured", problem.GetProperty("title").GetString());
        Assert.Equal("gone", problem.GetProperty("provider").GetString());
    }

    [Fact]
    public async Task ApplyAsync_ClientGivesUpWhileTheTokenIsFetched_AnswersNothing()
    {
        using var aborted = new CancellationTokenSource();
        var httpContext = ProxyTestKit.NewHttpContext();
        httpContext.RequestAborted = aborted.Token;

        var pending = _kit.RequestTransform.ApplyAsync(ProxyTestKit.NewRequestContext(httpContext)).AsTask();
        var fetch = await _kit.Source.NextFetchAsync();
        await aborted.CancelAsync();
        await pending.WaitAsync(TestTimeouts.Default);

        Assert.Equal(499, httpContext.Response.StatusCode);
        Assert.Equal(0, httpContext.Response.Body.Length);
        Assert.False(fetch.Token.IsCancellationRequested); // the shared fetch goes on for the others
    }

    private static async Task<JsonElement> ReadProblemAsync(HttpContext httpContext, int status)
    {
        Assert.Equal(status, httpContext.Response.StatusCode);
        Assert.Equal("application/problem+json", httpContext.Response.ContentType);
        Assert.Equal("no-store", httpContext.Response.Headers.CacheControl.ToString());
        httpContext.Response.Body.Position = 0;
        using var document = await JsonDocument.ParseAsync(httpContext.Response.Body);
        var problem = document.RootElement.Clone();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(httpContext.Response.ContentLength, httpContext.Response.Body.Length);
        return problem;
    }
}
