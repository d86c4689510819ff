using System.Net;
using AuthProxy.Proxy;
using AuthProxy.Telemetry;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tests.Tokens;
using AuthProxy.Tokens;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Transforms;

namespace AuthProxy.Tests.Proxy;

/// <summary>
/// One provider <c>kp</c> on a fake clock with a hand-driven token source, its route's two transforms, and the contexts
/// YARP hands them (<see cref="DefaultHttpContext"/>, <see cref="RequestTransformContext"/>, <see cref="ResponseTransformContext"/>),
/// as YARP's own transform tests build them.
/// </summary>
internal sealed class ProxyTestKit : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    public ProxyTestKit(long retryBodyLimit = AuthTokenRoute.DefaultRetryBodyLimit)
    {
        Cache = new TokenCache("kp", new TokenProviderOptions { Type = "IamApiKey" }, Source, Time, NullLogger.Instance,
            new TokenMetrics(new TestMeterFactory()), CancellationToken.None);
        Slot = new TokenProviderSlot("kp");
        Slot.Swap(Cache);
        Route = new AuthTokenRoute(Slot, retryBodyLimit, "kms");
        RequestTransform = new AuthTokenRequestTransform(Slot);
        ResponseTransform = new UnauthorizedResponseTransform(Route);
    }

    public FakeTimeProvider Time { get; } = new(TestClock.Start);

    public FakeTokenSource Source { get; } = new();

    public TokenCache Cache { get; }

    public TokenProviderSlot Slot { get; }

    public AuthTokenRoute Route { get; }

    public AuthTokenRequestTransform RequestTransform { get; }

    public UnauthorizedResponseTransform ResponseTransform { get; }

    public void Dispose() => Cache.Dispose();

    /// <summary>Fetches and caches token <c>Bearer {value}</c>.</summary>
    public async Task<AccessToken> FillAsync(string value)
    {
        var pending = Cache.GetAsync(CancellationToken.None).AsTask();
        (await Source.NextFetchAsync()).Succeed(value, Time.GetUtcNow(), Lifetime);
        return (await pending.WaitAsync(TestTimeouts.Default)).Token!;
    }

    /// <summary>A client request as the retry middleware leaves it: its state set, replayable or not.</summary>
    public static DefaultHttpContext NewHttpContext(string method = "GET", string path = "/kms/api/v2/keys", bool replayable = true)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Response.Body = new MemoryStream();
        context.Features.Set(new AuthTokenRequestState { Replayable = replayable });
        return context;
    }

    public static RequestTransformContext NewRequestContext(HttpContext httpContext, params (string Name, string Value)[] headers)
    {
        var proxyRequest = new HttpRequestMessage(new HttpMethod(httpContext.Request.Method), "http://upstream.example/api/v2/keys");
        foreach (var (name, value) in headers)
        {
            proxyRequest.Headers.TryAddWithoutValidation(name, value);
        }

        return new RequestTransformContext
        {
            HttpContext = httpContext,
            ProxyRequest = proxyRequest,
            Path = "/api/v2/keys",
            DestinationPrefix = "http://upstream.example/",
            HeadersCopied = true,
        };
    }

    /// <summary>Runs the request transform, as YARP does before sending.</summary>
    public async Task<RequestTransformContext> SendAsync(HttpContext httpContext)
    {
        var request = NewRequestContext(httpContext);
        await RequestTransform.ApplyAsync(request);
        return request;
    }

    /// <summary>Runs the response transform on an upstream answer with <paramref name="status"/>.</summary>
    public async Task<ResponseTransformContext> AnswerAsync(RequestTransformContext request, HttpStatusCode status)
    {
        var response = new ResponseTransformContext
        {
            HttpContext = request.HttpContext,
            ProxyResponse = new HttpResponseMessage(status) { RequestMessage = request.ProxyRequest },
            HeadersCopied = true,
        };
        await ResponseTransform.ApplyAsync(response);
        return response;
    }

    /// <summary>One whole exchange: send, then the upstream answers <paramref name="status"/>.</summary>
    public async Task<ResponseTransformContext> ExchangeAsync(HttpContext httpContext, HttpStatusCode status) =>
        await AnswerAsync(await SendAsync(httpContext), status);
}
