using AuthProxy.Proxy;
using AuthProxy.Tokens;
using BenchmarkDotNet.Attributes;
using Yarp.ReverseProxy.Transforms;

namespace AuthProxy.Benchmarks;

/// <summary>
/// The <c>AuthToken</c> request transform on a cached token, against YARP's own static
/// <c>RequestHeader Authorization Set</c> transform (what bare YARP and nginx do) as the baseline.
/// The proxy request already carries the client's headers, as after YARP's header copy.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 9)]
public class AuthTokenTransformBenchmarks
{
    private TokenCache _cache = null!;
    private ServiceProvider _services = null!;
    private MetricsListener? _listener;
    private AuthTokenRequestTransform _authToken = null!;
    private RequestHeaderValueTransform _staticHeader = null!;
    private RequestTransformContext _context = null!;

    /// <summary>False: no metrics listener (no OTLP exporter). True: the AuthProxy meter is being listened to.</summary>
    [Params(false, true)]
    public bool MetricsOn { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (_cache, _services) = await BenchmarkTokens.CreateWarmCacheAsync();
        _listener = MetricsOn ? new MetricsListener() : null;
        var slot = new TokenProviderSlot("kp");
        slot.Swap(_cache);
        _authToken = new AuthTokenRequestTransform(slot);
        _staticHeader = new RequestHeaderValueTransform("Authorization", BenchmarkTokens.HeaderValue, append: false);

        var httpContext = new DefaultHttpContext();
        httpContext.Request.Method = "GET";
        httpContext.Request.Path = "/kms/api/v2/keys";
        httpContext.Request.Headers.Authorization = "Basic Y2xpZW50OmtleQ==";
        var proxyRequest = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/api/v2/keys");
        proxyRequest.Headers.TryAddWithoutValidation("Authorization", "Basic Y2xpZW50OmtleQ==");
        proxyRequest.Headers.TryAddWithoutValidation("Accept", "application/json");
        _context = new RequestTransformContext
        {
            HttpContext = httpContext,
            ProxyRequest = proxyRequest,
            Path = "/api/v2/keys",
            DestinationPrefix = "http://127.0.0.1/",
            HeadersCopied = true,
        };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _context.ProxyRequest.Dispose();
        _listener?.Dispose();
        _cache.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true)]
    public ValueTask YarpStaticHeader_Set() => _staticHeader.ApplyAsync(_context);

    [Benchmark]
    public ValueTask AuthToken_ApplyAsync_CachedToken() => _authToken.ApplyAsync(_context);
}
