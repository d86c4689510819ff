using AuthProxy.Tokens;
using BenchmarkDotNet.Attributes;

namespace AuthProxy.Benchmarks;

/// <summary>
/// <see cref="TokenCache.GetAsync"/> when the token is cached: the path every proxied request takes.
/// A short job (9 iterations) keeps the whole suite to a few minutes; the machine this runs on is shared.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 9)]
public class TokenCacheBenchmarks
{
    private TokenCache _cache = null!;
    private ServiceProvider _services = null!;
    private MetricsListener? _listener;

    /// <summary>False: no metrics listener (no OTLP exporter). True: the AuthProxy meter is being listened to.</summary>
    [Params(false, true)]
    public bool MetricsOn { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (_cache, _services) = await BenchmarkTokens.CreateWarmCacheAsync();
        _listener = MetricsOn ? new MetricsListener() : null;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        _cache.Dispose();
        _services.Dispose();
    }

    /// <summary>The clock read GetAsync makes on every call, for scale.</summary>
    [Benchmark(Baseline = true)]
    public DateTimeOffset Clock_GetUtcNow() => TimeProvider.System.GetUtcNow();

    [Benchmark]
    public AccessToken? GetAsync_CachedToken()
    {
        var pending = _cache.GetAsync(CancellationToken.None);
        return pending.IsCompletedSuccessfully ? pending.Result.Token : pending.AsTask().GetAwaiter().GetResult().Token;
    }
}
