using System.Collections.Concurrent;
using System.Net;
using AuthProxy.Sandbox.Redis;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Fleet;

/// <summary>
/// README "Running a fleet" with the proxy as shipped: three proxy processes on one real Redis and one fake IdP behave like one proxy —
/// one token request for a stampede spread over all of them, one per renewal, a revocation that reaches every replica — and
/// Redis trouble never reaches a client.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _files = new();
    private readonly FleetIdp _idpState = new();
    private readonly ConcurrentDictionary<string, byte> _revoked = new(StringComparer.Ordinal);
    private RedisServer _redis = null!;
    private FakeServer _idp = null!;
    private FakeServer _upstream = null!;
    private string _keyFile = "";

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _idp = await FakeServer.StartAsync(_idpState.Handler);
        _upstream = await FakeServer.StartAsync((context, request) =>
        {
            if (_revoked.ContainsKey(request.Header("Authorization") ?? ""))
            {
                context.Response.StatusCode = 401;
            }

            return Task.CompletedTask;
        });
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
    public async Task ThreeHundredConcurrentFirstRequests_SpreadOverThreeReplicas_CauseOneTokenRequest()
    {
        await using var fleet = await ProxyFleet.StartAsync(3, Config(), output);
        _idpState.Hold();

        var requests = Enumerable.Range(0, 300).Select(i => fleet[i % 3].Client.GetAsync($"/kms/first/{i}")).ToList();
        // Every replica is obtaining the token — one asking the IdP, the other two waiting for it — before the IdP answers.
        Assert.True(await Eventually.TrueAsync(async () => _idpState.Requests >= 1 &&
            (await Task.WhenAll(fleet.Replicas.Select(r => r.ProviderStateAsync()))).All(s => s == "fetching"), TimeSpan.FromSeconds(20)),
            "not every replica was fetching");
        Assert.Equal(1, _idpState.Requests);
        _idpState.Release();

        var answers = await Task.WhenAll(requests);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(1, _idpState.Requests);
        Assert.Single(_upstream.Requests.Select(r => r.Header("Authorization")).Distinct());
        Assert.Equal(3, _upstream.Requests.Select(r => r.Header("x-replica")).Distinct().Count());
        var caches = await Task.WhenAll(fleet.Replicas.Select(r => r.TokenCacheStatusAsync()));
        Assert.Equal(2, caches.Sum(c => c.GetProperty("hits").GetInt64()));
        Assert.All(caches, c => Assert.Equal("connected", c.GetProperty("state").GetString()));
        output.WriteLine($"fleet figures: 300 first requests over 3 replicas -> {_idpState.Requests} token request(s)");
    }

    [RedisFact]
    public async Task Renewal_AcrossTheFleet_CostsOneTokenRequestPerRenewal()
    {
        _idpState.ExpiresIn = 4; // renewed from 2 s on (RefreshAfter 0.5)
        await using var fleet = await ProxyFleet.StartAsync(3, Config(providerExtra: """, "RefreshAfter": 0.5"""), output);

        var answers = await LoadAsync(fleet, TimeSpan.FromSeconds(7));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a));
        var arrivals = _idpState.Arrivals;
        Assert.True(arrivals.Count >= 3, $"only {arrivals.Count} token requests: the tokens were not renewed");
        // A second replica renewing the same token would ask within milliseconds of the first; renewals are seconds apart.
        for (var i = 1; i < arrivals.Count; i++)
        {
            Assert.True(arrivals[i] - arrivals[i - 1] > TimeSpan.FromMilliseconds(500),
                $"token requests {i} and {i + 1} came {(arrivals[i] - arrivals[i - 1]).TotalMilliseconds:0} ms apart: two replicas renewed one token");
        }

        var tokens = _upstream.Requests.Select(r => r.Header("Authorization")).Distinct().ToList();
        Assert.Equal(arrivals.Count, tokens.Count); // every token obtained was used, by the fleet
        output.WriteLine($"fleet figures: 7 s of load over 3 replicas, 4 s tokens -> {arrivals.Count} token requests");
    }

    [RedisFact]
    public async Task RevocationSeenByOneReplica_NoReplicaSendsTheTokenAfterwards()
    {
        await using var fleet = await ProxyFleet.StartAsync(3, Config(), output);
        foreach (var replica in fleet.Replicas)
        {
            Assert.Equal(HttpStatusCode.OK, (await replica.Client.GetAsync("/kms/keys")).StatusCode); // each replica's token was accepted here
        }

        var revoked = Assert.Single(_upstream.Requests.Select(r => r.Header("Authorization")).Distinct())!;
        _revoked[revoked] = 0;

        Assert.Equal(HttpStatusCode.OK, (await fleet[0].Client.GetAsync("/kms/keys")).StatusCode); // 401, drop, new token, retry
        var dropped = _upstream.Requests.Count;
        foreach (var replica in fleet.Replicas.Skip(1))
        {
            Assert.True(await Eventually.TrueAsync(() => replica.Process.StandardOutput.Contains("[1106]", StringComparison.Ordinal)),
                $"{replica.Name} was not told to drop the revoked token");
        }

        foreach (var replica in fleet.Replicas)
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await replica.Client.GetAsync("/kms/keys")).StatusCode);
            }
        }

        var after = _upstream.Requests.Skip(dropped).ToList();
        Assert.NotEmpty(after);
        Assert.DoesNotContain(after, r => r.Header("Authorization") == revoked);
        Assert.Equal(2, _idpState.Requests); // one token before, one after: the other replicas took the new one
        output.WriteLine($"fleet figures: drop propagation {DropDelays(fleet)}");
    }

    [RedisFact]
    public async Task RedisKilledMidLoad_NoClientRequestFails_AndOnceRestarted_TheFleetSharesAgain()
    {
        _idpState.ExpiresIn = 4;
        await using var fleet = await ProxyFleet.StartAsync(3, Config(providerExtra: """, "RefreshAfter": 0.5"""), output);
        using var load = new CancellationTokenSource();
        var running = LoadUntilAsync(fleet, load.Token);
        Assert.True(await Eventually.TrueAsync(() => _upstream.RequestCount > 50), "the load did not start");

        await _redis.KillAsync();
        var killedAt = _upstream.RequestCount;
        Assert.True(await Eventually.TrueAsync(async () =>
            (await Task.WhenAll(fleet.Replicas.Select(r => r.TokenCacheStatusAsync()))).All(c => c.GetProperty("state").GetString() == "degraded"),
            TimeSpan.FromSeconds(10)), "the replicas did not notice Redis was gone");
        // Long enough for every replica to renew on its own at least once.
        Assert.True(await Eventually.TrueAsync(() => _idpState.Requests >= 4 && _upstream.RequestCount > killedAt + 200, TimeSpan.FromSeconds(20)));
        var duringOutage = _idpState.Requests;

        await _redis.RestartAsync();
        Assert.True(await Eventually.TrueAsync(async () =>
            (await Task.WhenAll(fleet.Replicas.Select(r => r.TokenCacheStatusAsync()))).All(c => c.GetProperty("state").GetString() == "connected"),
            TimeSpan.FromSeconds(20)), "the replicas did not reconnect");
        var restartedAt = _idpState.Arrivals.Count;
        var hitsBefore = (await Task.WhenAll(fleet.Replicas.Select(r => r.TokenCacheStatusAsync()))).Sum(c => c.GetProperty("hits").GetInt64());
        Assert.True(await Eventually.TrueAsync(() => _idpState.Requests >= restartedAt + 3, TimeSpan.FromSeconds(20)), "no renewals after the restart");
        load.Cancel();
        var answers = await running;

        var failed = answers.Count(a => a != HttpStatusCode.OK);
        Assert.Equal(0, failed);
        var hitsAfter = (await Task.WhenAll(fleet.Replicas.Select(r => r.TokenCacheStatusAsync()))).Sum(c => c.GetProperty("hits").GetInt64());
        Assert.True(hitsAfter > hitsBefore, "after the restart no replica took a token another one renewed");
        var shared = _idpState.Arrivals.Skip(restartedAt + 1).ToList(); // the first renewal may race a replica still renewing alone
        for (var i = 1; i < shared.Count; i++)
        {
            Assert.True(shared[i] - shared[i - 1] > TimeSpan.FromMilliseconds(500), "after the restart two replicas renewed one token");
        }

        output.WriteLine($"fleet figures: {answers.Count} client requests while Redis was killed and restarted, {failed} failed; " +
            $"{duringOutage} token requests up to the end of the outage");
    }

    private string Config(string providerExtra = "", string? keyFile = null, string prefix = "fleet:") =>
        FleetConfigs.WithTokenCache(Configs.Kms(_idp.Url, _upstream.Url, providerExtra), _redis.Configuration, keyFile ?? _keyFile, prefix);

    private static async Task<List<HttpStatusCode>> LoadAsync(ProxyFleet fleet, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        return await LoadUntilAsync(fleet, stop.Token);
    }

    /// <summary>Four clients sending back to back, round-robin over the replicas, until cancelled.</summary>
    private static async Task<List<HttpStatusCode>> LoadUntilAsync(ProxyFleet fleet, CancellationToken stop)
    {
        var answers = new ConcurrentQueue<HttpStatusCode>();
        var clients = Enumerable.Range(0, 4).Select(async c =>
        {
            for (var i = c; !stop.IsCancellationRequested; i++)
            {
                using var response = await fleet[i % fleet.Replicas.Count].Client.GetAsync($"/kms/load/{c}");
                answers.Enqueue(response.StatusCode);
            }
        });
        await Task.WhenAll(clients);
        return [.. answers];
    }

    private static string DropDelays(ProxyFleet fleet)
    {
        static DateTimeOffset? At(string log, string marker)
        {
            var line = log.Split('\n').FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal));
            return line is not null && TimeOnly.TryParse(line.AsSpan(0, 12), System.Globalization.CultureInfo.InvariantCulture, out var time)
                ? new DateTimeOffset(DateOnly.FromDateTime(DateTime.UtcNow), time, TimeSpan.Zero)
                : null;
        }

        var dropped = At(fleet[0].Process.StandardOutput, "[1003]");
        return string.Join(", ", fleet.Replicas.Skip(1).Select(r => At(r.Process.StandardOutput, "[1106]") is { } at && dropped is { } d
            ? $"{r.Name} {(at - d).TotalMilliseconds:0} ms after the drop"
            : $"{r.Name} unknown"));
    }
}

/// <summary>The fleet tests start several processes each: they run one at a time, beside the rest of the suite.</summary>
[CollectionDefinition(Name)]
public sealed class FleetCollection
{
    public const string Name = "Fleet of proxy processes";
}

/// <summary>Configurations with a shared token cache.</summary>
internal static class FleetConfigs
{
    /// <summary><paramref name="config"/> with a <c>TokenCache:Redis</c> section added.</summary>
    public static string WithTokenCache(string config, string redis, string keyFile, string prefix = "fleet:")
    {
        var brace = config.IndexOf('{', StringComparison.Ordinal);
        return config[..(brace + 1)] + $$"""
            "TokenCache": { "Redis": { "Configuration": "{{redis}}", "KeyPrefix": "{{prefix}}", "EncryptionKeyFile": "{{keyFile}}" } },
            """ + config[(brace + 1)..];
    }
}
