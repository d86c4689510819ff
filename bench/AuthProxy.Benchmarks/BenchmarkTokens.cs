using System.Diagnostics.Metrics;
using AuthProxy.Telemetry;
using AuthProxy.Tokens;
using Microsoft.Extensions.Logging.Abstractions;

namespace AuthProxy.Benchmarks;

/// <summary>Builds a <see cref="TokenCache"/> that already holds a valid token, as on the proxy's hot path.</summary>
internal static class BenchmarkTokens
{
    /// <summary>An IAM access token is a JWT of about a kilobyte; the length matters little, the shape not at all.</summary>
    public static readonly string HeaderValue = "Bearer eyJhbGciOiJSUzI1NiJ9." + new string('A', 720) + ".bench";

    public static async Task<(TokenCache Cache, ServiceProvider Services)> CreateWarmCacheAsync()
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new TokenMetrics(services.GetRequiredService<IMeterFactory>());
        var options = new TokenProviderOptions { Type = "IamApiKey", ApiKey = "bench-api-key" };
        var cache = new TokenCache("kp", options, new StaticSource(), TimeProvider.System, NullLogger.Instance, metrics,
            CancellationToken.None);
        var result = await cache.RefreshAsync();
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("The benchmark token source failed.");
        }

        return (cache, services);
    }

    /// <summary>Issues a token valid for an hour, so the benchmark never reaches the refresh point.</summary>
    private sealed class StaticSource : ITokenSource
    {
        public Task<TokenResult> FetchAsync(CancellationToken cancellationToken)
        {
            var now = DateTimeOffset.UtcNow;
            var token = AccessToken.Create(HeaderValue, now, now, now.AddHours(1), refreshAfter: 0.8, TimeSpan.FromSeconds(10));
            return Task.FromResult(new TokenResult(token));
        }

        public void Dispose()
        {
        }
    }
}
