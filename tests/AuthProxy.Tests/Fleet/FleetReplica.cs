using System.Security.Cryptography;
using AuthProxy.Sandbox.Redis;
using AuthProxy.Telemetry;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tests.Tokens;
using AuthProxy.Tokens;
using AuthProxy.Tokens.Fleet;
using Microsoft.Extensions.Logging.Abstractions;

namespace AuthProxy.Tests.Fleet;

/// <summary>
/// One "replica" in this process: a <see cref="TokenCache"/> with a hand-completed token source and its own connection
/// (<see cref="RedisTokenStore"/>) to a shared Redis — what one proxy process has per provider.
/// </summary>
internal sealed class FleetReplica : IDisposable
{
    private readonly CancellationTokenSource _stopping;

    private FleetReplica(TokenCache cache, FakeTokenSource source, RedisTokenStore store, TimeProvider time, CancellationTokenSource stopping)
    {
        _stopping = stopping;
        Cache = cache;
        Source = source;
        Store = store;
        Time = time;
    }

    public TokenCache Cache { get; }

    public FakeTokenSource Source { get; }

    public RedisTokenStore Store { get; }

    public TimeProvider Time { get; }

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    public static TokenProviderOptions Options(string apiKey = "api-key-one", string tokenUrl = "http://127.0.0.1:9/identity/token") =>
        new() { Type = "IamApiKey", ApiKey = apiKey, TokenUrl = tokenUrl };

    /// <summary>Starts a replica and waits until its connection to Redis is up.</summary>
    public static async Task<FleetReplica> StartAsync(RedisServer redis, byte[] key, TimeProvider? time = null, TokenProviderOptions? options = null,
        string prefix = "test:", string name = "kp", ILogger? logger = null, bool waitForConnection = true)
    {
        time ??= TimeProvider.System;
        options ??= Options();
        var meters = new TestMeterFactory();
        var store = new RedisTokenStore(new RedisTokenCacheOptions(redis.Configuration, prefix, key, Guid.NewGuid().ToString()), time,
            logger ?? NullLogger.Instance, new TokenCacheMetrics(meters));
        store.Start();
        var source = new FakeTokenSource();
        var stopping = new CancellationTokenSource();
        var shared = new SharedTokenCache(name, options, store, time, logger ?? NullLogger.Instance, stopping.Token);
        var cache = new TokenCache(name, options, source, time, logger ?? NullLogger.Instance, new TokenMetrics(meters), stopping.Token, shared);
        var replica = new FleetReplica(cache, source, store, time, stopping);
        if (waitForConnection)
        {
            Assert.True(await Eventually.TrueAsync(() => store.IsAvailable && store.IsSubscribed && store.GetStatus().State == "connected"), "the replica did not connect to Redis");
        }

        return replica;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        Cache.Dispose();
        Store.Dispose();
        _stopping.Dispose();
    }
}
