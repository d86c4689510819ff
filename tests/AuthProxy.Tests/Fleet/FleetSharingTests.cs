using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using AuthProxy.Sandbox.Redis;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Fleet;

/// <summary>
/// Who shares tokens through one Redis, with the real proxy: fleets with different credentials under the same provider
/// name never share, a tampered or foreign entry is ignored, entries are not readable without the key — and the figures:
/// token requests with one and with three replicas, with and without the shared cache.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetSharingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string KeyOne = "key-one-0b6e2d95-SECRET";
    private const string KeyTwo = "alt2-key-c3f18a40-SECRET";

    private readonly TempDirectory _files = new();
    private readonly FleetIdp _idpState = new();
    private RedisServer _redis = null!;
    private FakeServer _idp = null!;
    private FakeServer _upstream = null!;
    private string _keyFile = "";

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _idp = await FakeServer.StartAsync(_idpState.Handler);
        _upstream = await FakeServer.StartAsync();
        _keyFile = _files.Write("token-cache-key", Convert.ToBase64String(FleetReplica.NewKey()));
    }

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        await _idp.DisposeAsync();
        await _redis.DisposeAsync();
        _files.Dispose();
    }

    [RedisFact]
    public async Task TwoFleets_WithDifferentCredentials_UnderTheSameProviderName_NeverShare()
    {
        await using var one = await StartConnectedAsync(Config(KeyOne));
        await using var two = await StartConnectedAsync(Config(KeyTwo));
        await using var oneAgain = await StartConnectedAsync(Config(KeyOne)); // a second replica of fleet one

        Assert.Equal(HttpStatusCode.OK, (await Get(one, "/kms/a")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Get(two, "/kms/b")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Get(oneAgain, "/kms/c")).StatusCode);

        var sent = _upstream.Requests.ToDictionary(r => r.Path, r => r.Header("Authorization"));
        Assert.StartsWith("Bearer fleet-key--", sent["/a"], StringComparison.Ordinal);
        Assert.StartsWith("Bearer fleet-alt2-", sent["/b"], StringComparison.Ordinal);
        Assert.Equal(sent["/a"], sent["/c"]); // the same credential: shared
        Assert.Equal(2, _idpState.Requests);
        Assert.True(await Eventually.TrueAsync(async () => (await _redis.KeysAsync("fleet:token:*")).Count == 2), "not one entry per credential");
    }

    [RedisFact]
    public async Task SameCredential_FromKeyFilesAtDifferentPaths_IsShared_ButTheSamePathWithAnotherKeyIsNot()
    {
        var fileA = _files.Write("a-kp-apikey", KeyOne + "\n");
        var fileB = _files.Write("b-kp-apikey", KeyOne);
        await using var a = await StartConnectedAsync(Config(keyFile: fileA));
        await using var b = await StartConnectedAsync(Config(keyFile: fileB));

        await Get(a, "/kms/a");
        await Get(b, "/kms/b");

        Assert.Equal(1, _idpState.Requests);
        Assert.Equal(_upstream.Requests.First(r => r.Path == "/a").Header("Authorization"), _upstream.Requests.First(r => r.Path == "/b").Header("Authorization"));

        // Another fleet mounts its own, different key at the very same path (as every Kubernetes namespace would).
        File.WriteAllText(fileA, KeyTwo);
        await using var other = await StartConnectedAsync(Config(keyFile: fileA));
        await Get(other, "/kms/other");

        Assert.Equal(2, _idpState.Requests);
        Assert.StartsWith("Bearer fleet-alt2-", _upstream.Requests.First(r => r.Path == "/other").Header("Authorization"), StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task TamperedEntry_IsIgnored_AndForeignEntry_IsIgnored()
    {
        await using (var first = await StartConnectedAsync(Config(KeyOne)))
        {
            await Get(first, "/kms/first");
        }

        var entry = Assert.Single(await _redis.KeysAsync("fleet:token:*"));
        var genuine = (await _redis.GetAsync(entry))!;
        var tampered = (byte[])genuine.Clone();
        tampered[40] ^= 0x01;
        await _redis.ExecuteAsync("SET", entry, tampered, "PX", "3600000");

        await using (var second = await StartConnectedAsync(Config(KeyOne)))
        {
            Assert.Equal(HttpStatusCode.OK, (await Get(second, "/kms/second")).StatusCode);
            Assert.Contains(second.Logs, l => l.Contains("[1105]", StringComparison.Ordinal));
        }

        Assert.Equal(2, _idpState.Requests); // the tampered entry was not used: a token was fetched
        Assert.True(await Eventually.TrueAsync(async () => !(await _redis.GetAsync(entry))!.AsSpan().SequenceEqual(tampered)), "the tampered entry stayed");
        var fresh = (await _redis.GetAsync(entry))!;

        // Another fleet's key, the same prefix and credential: copy our entry under its name; it cannot open it.
        var otherKeyFile = _files.Write("other-key", Convert.ToBase64String(FleetReplica.NewKey()));
        await using var foreign = await StartConnectedAsync(Config(KeyOne, cacheKeyFile: otherKeyFile));
        var before = _idpState.Requests;
        await Get(foreign, "/kms/foreign-1"); // stores its own entry under its own name (in the background)
        Assert.True(await Eventually.TrueAsync(async () => (await _redis.KeysAsync("fleet:token:*")).Count == 2), "the other fleet stored no entry");
        var foreignEntry = Assert.Single(await _redis.KeysAsync("fleet:token:*"), k => k != entry);
        await _redis.ExecuteAsync("SET", foreignEntry, fresh, "PX", "3600000");
        await using var foreignReplica = await StartConnectedAsync(Config(KeyOne, cacheKeyFile: otherKeyFile));
        Assert.Equal(HttpStatusCode.OK, (await Get(foreignReplica, "/kms/foreign-2")).StatusCode);
        Assert.Equal(before + 2, _idpState.Requests);
        Assert.NotEqual(_upstream.Requests.First(r => r.Path == "/second").Header("Authorization"),
            _upstream.Requests.First(r => r.Path == "/foreign-2").Header("Authorization"));
    }

    [RedisFact]
    public async Task EntriesInRedis_AreNotReadableWithoutTheKey()
    {
        await using var proxy = await StartConnectedAsync(Config(KeyOne));
        await Get(proxy, "/kms/a");
        var token = _upstream.Requests.Single().Header("Authorization")!["Bearer ".Length..];

        var keys = await _redis.KeysAsync("*");
        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            Assert.StartsWith("fleet:", key, StringComparison.Ordinal);
            Assert.DoesNotContain("kp", key["fleet:".Length..], StringComparison.Ordinal);
            var value = Encoding.Latin1.GetString(await _redis.GetAsync(key) ?? []);
            Assert.DoesNotContain(token, value, StringComparison.Ordinal);
            Assert.DoesNotContain(KeyOne, value, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(token)), value, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(proxy.Logs, l => l.Contains(token, StringComparison.Ordinal) || l.Contains(KeyOne, StringComparison.Ordinal));
    }

    [RedisFact]
    public async Task Status_ShowsTheSharedCache_AndNullWithoutOne()
    {
        await using var shared = await StartConnectedAsync(Config(KeyOne));
        await using var alone = await ProxyHost.StartAsync(Configs.Kms(_idp.Url, _upstream.Url), output);
        await Get(shared, "/kms/a");

        using var withCache = JsonDocument.Parse(await shared.CreateClient().GetStringAsync("/_authproxy/status"));
        using var without = JsonDocument.Parse(await alone.CreateClient().GetStringAsync("/_authproxy/status"));

        var tokenCache = withCache.RootElement.GetProperty("tokenCache");
        Assert.Equal("redis", tokenCache.GetProperty("kind").GetString());
        Assert.Equal("connected", tokenCache.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, tokenCache.GetProperty("lastError").ValueKind);
        Assert.Equal(1, tokenCache.GetProperty("misses").GetInt64());
        foreach (var counter in new[] { "hits", "fallbacks", "lockWaits" })
        {
            Assert.Equal(JsonValueKind.Number, tokenCache.GetProperty(counter).ValueKind);
        }

        Assert.Equal(JsonValueKind.Null, without.RootElement.GetProperty("tokenCache").ValueKind);

        await _redis.KillAsync();
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var status = JsonDocument.Parse(await shared.CreateClient().GetStringAsync("/_authproxy/status"));
            var cache = status.RootElement.GetProperty("tokenCache");
            return cache.GetProperty("state").GetString() == "degraded" && cache.GetProperty("lastError").GetString() is { Length: > 0 };
        }), "the status did not show Redis gone");
    }

    /// <summary>
    /// The fleet figures of the issue: the same load (4 clients, 6 s, 4 s tokens renewed from half their life) on one replica
    /// and on three, without and with the shared cache, counted at the IdP.
    /// </summary>
    [RedisFact]
    public async Task Figures_TokenRequests_OneVersusThreeReplicas_WithAndWithoutTheSharedCache()
    {
        _idpState.ExpiresIn = 4;
        var plain = Configs.Kms(_idp.Url, _upstream.Url, """, "RefreshAfter": 0.5""");
        var withCache = FleetConfigs.WithTokenCache(plain, _redis.Configuration, _keyFile);
        var figures = new List<(string Setup, int Requests, int Failed)>();
        foreach (var (setup, replicas, config) in new[] { ("1 replica, no shared cache", 1, plain), ("3 replicas, no shared cache", 3, plain),
            ("3 replicas, shared cache", 3, withCache) })
        {
            await _redis.ExecuteAsync("FLUSHALL");
            var before = _idpState.Requests;
            await using var fleet = await ProxyFleet.StartAsync(replicas, config, output);
            var answers = await LoadAsync(fleet, TimeSpan.FromSeconds(6));
            figures.Add((setup, _idpState.Requests - before, answers.Count(a => a != HttpStatusCode.OK)));
        }

        foreach (var (setup, requests, failed) in figures)
        {
            output.WriteLine($"fleet figures: {setup,-30} {requests,3} token requests ({failed} failed client requests)");
        }

        Assert.All(figures, f => Assert.Equal(0, f.Failed));
        var single = figures[0].Requests;
        Assert.True(figures[1].Requests >= 2 * single, "three replicas without a shared cache should each renew on their own");
        Assert.InRange(figures[2].Requests, 1, single + 1);
    }

    private string Config(string apiKey = KeyOne, string? keyFile = null, string? cacheKeyFile = null)
    {
        var kms = Configs.Kms(_idp.Url, _upstream.Url).Replace(Configs.ApiKey, apiKey, StringComparison.Ordinal);
        if (keyFile is not null)
        {
            kms = kms.Replace($"\"ApiKey\": \"{apiKey}\"", $"\"ApiKeyFile\": \"{keyFile}\"", StringComparison.Ordinal);
        }

        return FleetConfigs.WithTokenCache(kms, _redis.Configuration, cacheKeyFile ?? _keyFile);
    }

    /// <summary>
    /// Starts a proxy with the shared cache and waits until it is connected to Redis: start-up never waits for Redis, so a
    /// request sent sooner would (by design) fetch its own token, and the test would measure the race, not the sharing.
    /// </summary>
    private async Task<ProxyHost> StartConnectedAsync(string config)
    {
        var proxy = await ProxyHost.StartAsync(config, output);
        if (!await Eventually.TrueAsync(async () => await TokenCacheStateAsync(proxy) == "connected"))
        {
            await proxy.DisposeAsync();
            Assert.Fail("the proxy did not connect to Redis");
        }

        return proxy;
    }

    private static async Task<string?> TokenCacheStateAsync(ProxyHost proxy)
    {
        using var client = proxy.CreateClient();
        using var status = JsonDocument.Parse(await client.GetStringAsync("/_authproxy/status"));
        return status.RootElement.GetProperty("tokenCache").GetProperty("state").GetString();
    }

    private static async Task<HttpResponseMessage> Get(ProxyHost proxy, string path)
    {
        using var client = proxy.CreateClient();
        return await client.GetAsync(path);
    }

    private static async Task<List<HttpStatusCode>> LoadAsync(ProxyFleet fleet, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        var answers = new ConcurrentQueue<HttpStatusCode>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async c =>
        {
            for (var i = c; !stop.IsCancellationRequested; i++)
            {
                using var response = await fleet[i % fleet.Replicas.Count].Client.GetAsync($"/kms/load/{c}");
                answers.Enqueue(response.StatusCode);
            }
        }));
        return [.. answers];
    }
}
