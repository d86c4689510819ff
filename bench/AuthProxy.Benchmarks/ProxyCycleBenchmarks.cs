using System.Diagnostics.Metrics;
using AuthProxy.Proxy;
using AuthProxy.Telemetry;
using AuthProxy.Tokens;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace AuthProxy.Benchmarks;

/// <summary>
/// What AuthProxy adds to one proxied GET on an <c>AuthToken</c> route with a cached token and a 200 answer: the retry
/// middleware, the request transform that sets the credential and the response transform that looks at the status.
/// The forwarder itself is left out (<c>next</c> runs the two transforms only). One context is reused, so the figures
/// are AuthProxy's own per-request work and allocations.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 9)]
public class ProxyCycleBenchmarks
{
    private TokenCache _cache = null!;
    private ServiceProvider _services = null!;
    private UpstreamRetryMiddleware _middleware = null!;
    private DefaultHttpContext _httpContext = null!;
    private HttpResponseMessage _proxyResponse = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (_cache, _services) = await BenchmarkTokens.CreateWarmCacheAsync();
        var slot = new TokenProviderSlot("kp");
        slot.Swap(_cache);
        var routeConfig = new RouteConfig { RouteId = "kms", ClusterId = "keyprotect", Match = new RouteMatch { Path = "/kms/{**rest}" } };
        var route = new AuthTokenRoute(slot, AuthTokenRoute.DefaultRetryBodyLimit);
        var routes = new AuthTokenRouteTable();
        routes.Set(routeConfig, route);
        var requestTransform = new AuthTokenRequestTransform(slot);
        var responseTransform = new UnauthorizedResponseTransform(route);

        _httpContext = new DefaultHttpContext();
        _httpContext.Request.Method = "GET";
        _httpContext.Request.Path = "/kms/api/v2/keys";
        _httpContext.Features.Set<IHttpRequestBodyDetectionFeature>(new NoBody());
        _httpContext.Features.Set<IReverseProxyFeature>(new ReverseProxyFeature { Route = new RouteModel(routeConfig, null, HttpTransformer.Empty) });
        var proxyRequest = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/api/v2/keys");
        proxyRequest.Headers.TryAddWithoutValidation("Accept", "application/json");
        _proxyResponse = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { RequestMessage = proxyRequest };
        var requestContext = new RequestTransformContext
        {
            HttpContext = _httpContext,
            ProxyRequest = proxyRequest,
            Path = "/api/v2/keys",
            DestinationPrefix = "http://127.0.0.1/",
            HeadersCopied = true,
        };
        var responseContext = new ResponseTransformContext { HttpContext = _httpContext, ProxyResponse = _proxyResponse, HeadersCopied = true };

        var metrics = new TokenMetrics(_services.GetRequiredService<IMeterFactory>());
        _middleware = new UpstreamRetryMiddleware(async _ =>
        {
            await requestTransform.ApplyAsync(requestContext);
            await responseTransform.ApplyAsync(responseContext);
        }, routes, metrics, NullLogger<UpstreamRetryMiddleware>.Instance);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _proxyResponse.RequestMessage?.Dispose();
        _proxyResponse.Dispose();
        _cache.Dispose();
        _services.Dispose();
    }

    [Benchmark]
    public Task Get_CachedToken_200() => _middleware.InvokeAsync(_httpContext);

    private sealed class NoBody : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => false;
    }
}
