using AuthProxy.Proxy;
using AuthProxy.Tokens;
using BenchmarkDotNet.Attributes;
using Yarp.ReverseProxy.Transforms;

namespace AuthProxy.Benchmarks;

/// <summary>
/// What per-client identities (a client's <c>TokenProviders</c>) cost the <c>AuthToken</c> transform on a cached token:
/// as wired in the proxy with no client mapping anything (the usual set-up), with mappings configured but the request's
/// client unmapped, and for a mapped client. Compare with <see cref="AuthTokenTransformBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 9)]
public class ClientProviderMapBenchmarks
{
    private TokenCache _cache = null!;
    private TokenCache _mappedCache = null!;
    private ServiceProvider _services = null!;
    private ServiceProvider _mappedServices = null!;
    private AuthTokenRequestTransform _noMappings = null!;
    private AuthTokenRequestTransform _withMappings = null!;
    private RequestTransformContext _unmapped = null!;
    private RequestTransformContext _mapped = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (_cache, _services) = await BenchmarkTokens.CreateWarmCacheAsync();
        (_mappedCache, _mappedServices) = await BenchmarkTokens.CreateWarmCacheAsync();
        var catalog = new Catalog();
        catalog.Slot("kp").Swap(_cache);
        catalog.Slot("kp-billing").Swap(_mappedCache);
        _noMappings = new AuthTokenRequestTransform(catalog.Slot("kp"), catalog, new ClientProviderMaps());
        var maps = new ClientProviderMaps();
        maps.Publish(true);
        _withMappings = new AuthTokenRequestTransform(catalog.Slot("kp"), catalog, maps);
        _unmapped = Context();
        _mapped = Context();
        _mapped.HttpContext.Features.Set(new ClientProviderMap("billing-app", new Dictionary<string, string> { ["kp"] = "kp-billing" }));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _unmapped.ProxyRequest.Dispose();
        _mapped.ProxyRequest.Dispose();
        _cache.Dispose();
        _mappedCache.Dispose();
        _services.Dispose();
        _mappedServices.Dispose();
    }

    [Benchmark(Baseline = true)]
    public ValueTask NoClientMapsProviders() => _noMappings.ApplyAsync(_unmapped);

    [Benchmark]
    public ValueTask MappingsConfigured_UnmappedClient() => _withMappings.ApplyAsync(_unmapped);

    [Benchmark]
    public ValueTask MappedClient() => _withMappings.ApplyAsync(_mapped);

    private static RequestTransformContext Context()
    {
        var httpContext = new DefaultHttpContext();
        httpContext.Request.Method = "GET";
        httpContext.Request.Path = "/kms/api/v2/keys";
        var proxyRequest = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/api/v2/keys");
        proxyRequest.Headers.TryAddWithoutValidation("Accept", "application/json");
        return new RequestTransformContext
        {
            HttpContext = httpContext,
            ProxyRequest = proxyRequest,
            Path = "/api/v2/keys",
            DestinationPrefix = "http://127.0.0.1/",
            HeadersCopied = true,
        };
    }

    private sealed class Catalog : ITokenProviderCatalog
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TokenProviderSlot> _slots = new(StringComparer.OrdinalIgnoreCase);

        public IEnumerable<string> Names => _slots.Keys;

        public bool Contains(string name) => _slots.ContainsKey(name);

        public TokenProviderSlot GetSlot(string name) => Slot(name);

        public TokenProviderSlot Slot(string name) => _slots.GetOrAdd(name, static n => new TokenProviderSlot(n));
    }
}
