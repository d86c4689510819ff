using System.Text;
using AuthProxy.Sandbox.Redis;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tests.Tokens;
using AuthProxy.Tokens;
using AuthProxy.Tokens.Fleet;

namespace AuthProxy.Tests.Fleet;

/// <summary>
/// The shared token cache's algorithm with real Redis: replicas are <see cref="TokenCache"/>s in this process, each with its
/// own connection, whose token requests the test completes by hand (<see cref="FleetReplica"/>).
/// </summary>
public sealed class SharedTokenCacheTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new(output);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private readonly List<FleetReplica> _replicas = [];
    private readonly byte[] _key = FleetReplica.NewKey();
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            replica.Dispose();
        }

        await _redis.DisposeAsync();
    }

    [RedisFact]
    public async Task ConcurrentMisses_OnTwoReplicas_CauseOneTokenRequest_TheOtherWaitsForIt()
    {
        var a = await StartAsync();
        var b = await StartAsync();

        var first = a.Cache.GetAsync(CancellationToken.None).AsTask();
        var fetch = await a.Source.NextFetchAsync(); // a holds the fleet's lease now
        var second = b.Cache.GetAsync(CancellationToken.None).AsTask();
        Assert.True(await Eventually.TrueAsync(() => b.Store.GetStatus().LockWaits == 1), "b did not wait for a's token request");
        fetch.Succeed("fleet-token", DateTimeOffset.UtcNow, Hour);

        Assert.Equal("Bearer fleet-token", (await first.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
        Assert.Equal("Bearer fleet-token", (await second.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
        Assert.Equal(1, a.Source.Calls);
        Assert.Equal(0, b.Source.Calls);
        Assert.Equal(1, b.Store.GetStatus().Hits);
    }

    [RedisFact]
    public async Task ReplicaThatStartsLater_TakesTheStoredToken_WithoutARequest_AndServesItFromMemory()
    {
        var a = await StartAsync();
        await FillAsync(a, "stored-token");
        var b = await StartAsync();

        var result = await b.Cache.GetAsync(CancellationToken.None);
        var again = b.Cache.GetAsync(CancellationToken.None);

        Assert.Equal("Bearer stored-token", result.Token!.HeaderValue);
        Assert.True(again.IsCompletedSuccessfully, "a cached token must come from memory, synchronously");
        Assert.Same(result.Token, again.Result.Token);
        Assert.Equal(0, b.Source.Calls);
    }

    [RedisFact]
    public async Task Renewal_IsDoneByOneReplica_TheOthersTakeTheRenewedToken()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var a = await StartAsync(time);
        var b = await StartAsync(time);
        var c = await StartAsync(time);
        await FillAsync(a, "old", time, TimeSpan.FromMinutes(10));
        Assert.Equal("Bearer old", (await b.Cache.GetAsync(CancellationToken.None)).Token!.HeaderValue);
        Assert.Equal("Bearer old", (await c.Cache.GetAsync(CancellationToken.None)).Token!.HeaderValue);

        time.Advance(TimeSpan.FromMinutes(8.5)); // past RefreshAfter (0.8), outside the expiry window
        foreach (var replica in new[] { a, b, c })
        {
            Assert.Equal("Bearer old", replica.Cache.GetAsync(CancellationToken.None).Result.Token!.HeaderValue); // served while renewing
        }

        var renewal = await NextFetchOfAnyAsync(a, b, c);
        renewal.Fetch.Succeed("new", time.GetUtcNow(), TimeSpan.FromMinutes(10));

        foreach (var replica in new[] { a, b, c })
        {
            Assert.True(await Eventually.TrueAsync(() => replica.Cache.Current?.HeaderValue == "Bearer new"), "a replica kept the old token");
        }

        Assert.Equal(2, a.Source.Calls + b.Source.Calls + c.Source.Calls); // the first token and one renewal, for the whole fleet
    }

    [RedisFact]
    public async Task TokenDroppedAfter401_OnOneReplica_IsDroppedByEveryReplica_AndLeavesRedis()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        var token = await FillAsync(a, "revoked-token");
        Assert.Equal(token.HeaderValue, (await b.Cache.GetAsync(CancellationToken.None)).Token!.HeaderValue);

        Assert.True(a.Cache.Invalidate(a.Cache.Current!, "test: the upstream answered 401"));

        Assert.True(await Eventually.TrueAsync(() => b.Cache.Current is null), "b kept the token a dropped");
        Assert.Empty(await _redis.KeysAsync("test:token:*"));
        var next = b.Cache.GetAsync(CancellationToken.None).AsTask();
        (await NextFetchOfAnyAsync(a, b)).Fetch.Succeed("fresh-token", DateTimeOffset.UtcNow, Hour);
        Assert.Equal("Bearer fresh-token", (await next.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
    }

    /// <summary>
    /// Soak finding 4: after a Redis outage the entry may hold an older token than the one a replica fetched alone. When an
    /// upstream refuses the newer one (a revocation), the older one — revoked with it — must not be taken for the retry.
    /// </summary>
    [RedisFact]
    public async Task AfterA401Drop_AnOlderTokenStillInRedis_IsNotTaken_TheReplicaFetchesAndOverwritesIt()
    {
        var a = await StartAsync();
        await FillAsync(a, "older");
        var key = Assert.Single(await _redis.KeysAsync("test:token:*"));
        var older = (await _redis.GetAsync(key))!;
        await _redis.ExecuteAsync("DEL", key);
        var b = await StartAsync();
        var own = await FillAsync(b, "b-own");
        // As after an outage: Redis holds the older token, b its own newer one.
        await _redis.ExecuteAsync("SET", key, older, "PX", "3600000");

        Assert.True(b.Cache.Invalidate(own, "test: the upstream answered 401 (revoked)"));
        var retry = b.Cache.GetAsync(CancellationToken.None).AsTask();
        (await b.Source.NextFetchAsync()).Succeed("b-fresh", DateTimeOffset.UtcNow, Hour);

        Assert.Equal("Bearer b-fresh", (await retry.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
        Assert.Equal(2, b.Source.Calls);
        Assert.True(await Eventually.TrueAsync(async () => !(await _redis.GetAsync(key))!.AsSpan().SequenceEqual(older)), "the older entry stayed");
    }

    /// <summary>
    /// The soak's next case: another replica renewed just before a revocation, so Redis holds a token newer than the one a
    /// replica drops on a 401 — revoked all the same. Obtained before the drop, it is not taken for the retry.
    /// </summary>
    [RedisFact]
    public async Task AfterA401Drop_ANewerTokenObtainedBeforeTheDrop_IsNotTaken_EitherWay()
    {
        var b = await StartAsync();
        var own = await FillAsync(b, "b-own");
        // Another replica renewed and stored its token just before the revocation (after b obtained its own).
        var key = Assert.Single(await _redis.KeysAsync("test:token:*"));
        var now = DateTimeOffset.UtcNow;
        var renewed = AccessToken.Create("Bearer a-renewed", now, now, now + Hour, 0.8, TimeSpan.FromSeconds(5));
        await _redis.ExecuteAsync("SET", key, b.Store.Codec.SealEntry(key, renewed, b.Store.Codec.Tag(renewed.HeaderValue)), "PX", "3600000");

        // The revocation: b's upstream refuses b's token.
        Assert.True(b.Cache.Invalidate(b.Cache.Current!, "test: the upstream answered 401 (revoked)"));
        var retry = b.Cache.GetAsync(CancellationToken.None).AsTask();
        (await b.Source.NextFetchAsync()).Succeed("b-fresh", DateTimeOffset.UtcNow, Hour);

        Assert.Equal("Bearer b-fresh", (await retry.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
        Assert.Equal(2, b.Source.Calls);
        Assert.True(own.ObtainedAt < renewed.ObtainedAt);
    }

    [RedisFact]
    public async Task RedisKilled_ReplicasFetchAlone_AtOnce_ThenShareAgainOnceItIsBack()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        await _redis.KillAsync();

        // No Redis: each replica's miss goes straight to its own token request.
        var first = a.Cache.GetAsync(CancellationToken.None).AsTask();
        (await a.Source.NextFetchAsync()).Succeed("a-alone", DateTimeOffset.UtcNow, Hour);
        Assert.Equal("Bearer a-alone", (await first.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
        Assert.Equal("degraded", a.Store.GetStatus().State);
        Assert.True(a.Store.GetStatus().Fallbacks >= 1);

        await _redis.RestartAsync();
        Assert.True(await Eventually.TrueAsync(() => a.Store.IsAvailable && b.Store.IsAvailable && a.Store.IsSubscribed && b.Store.IsSubscribed,
            TimeSpan.FromSeconds(20)), "the replicas did not reconnect");
        Assert.True(await Eventually.TrueAsync(() => a.Store.GetStatus().State == "connected"), "the status did not show the reconnection");

        // Back: a renewal by a is shared with b (b's first token comes from Redis).
        Assert.True(a.Cache.Invalidate(a.Cache.Current!, "test: start again"));
        await FillAsync(a, "shared-again");
        Assert.Equal("Bearer shared-again", (await b.Cache.GetAsync(CancellationToken.None)).Token!.HeaderValue);
        Assert.Equal(0, b.Source.Calls);

        // The channel is back too: a drop on a reaches b.
        Assert.True(a.Cache.Invalidate(a.Cache.Current!, "test: the upstream answered 401"));
        Assert.True(await Eventually.TrueAsync(() => b.Cache.Current is null), "b did not hear of the drop after Redis came back");
    }

    [RedisFact]
    public async Task SlowRedis_ReplicaFetchesAlone_WithinTheBudget_WhileRedisIsStillBlocked()
    {
        var a = await StartAsync();
        var sleeping = _redis.SleepAsync(TimeSpan.FromSeconds(3)); // the server answers nobody for 3 s
        Assert.True(await Eventually.TrueAsync(async () => await PingTakesLongAsync()), "DEBUG SLEEP did not block the server");

        var pending = a.Cache.GetAsync(CancellationToken.None).AsTask();
        var fetch = await a.Source.NextFetchAsync();

        Assert.False(sleeping.IsCompleted, "the replica waited for Redis instead of fetching within its 250 ms budget");
        fetch.Succeed("while-redis-slept", DateTimeOffset.UtcNow, Hour);
        Assert.Equal("Bearer while-redis-slept", (await pending.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
        Assert.Equal("degraded", a.Store.GetStatus().State);
        await sleeping;
    }

    [RedisFact]
    public async Task TamperedEntry_IsIgnored_TheReplicaFetchesAndOverwritesIt()
    {
        var a = await StartAsync();
        await FillAsync(a, "genuine");
        var key = Assert.Single(await _redis.KeysAsync("test:token:*"));
        var value = (await _redis.GetAsync(key))!;
        value[^5] ^= 0x01; // one bit of the ciphertext
        await _redis.ExecuteAsync("SET", key, value, "PX", "3600000");

        var b = await StartAsync();
        var pending = b.Cache.GetAsync(CancellationToken.None).AsTask();
        (await b.Source.NextFetchAsync()).Succeed("b-own", DateTimeOffset.UtcNow, Hour);

        Assert.Equal("Bearer b-own", (await pending.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
        Assert.True(await Eventually.TrueAsync(async () => !(await _redis.GetAsync(key))!.AsSpan().SequenceEqual(value)), "the tampered entry stayed");
    }

    [RedisFact]
    public async Task EntrySealedWithAnotherFleetsKey_IsIgnored()
    {
        var other = await StartAsync(key: FleetReplica.NewKey());
        await FillAsync(other, "other-fleets-token");
        var foreignValue = (await _redis.GetAsync(Assert.Single(await _redis.KeysAsync("test:token:*"))))!;

        // Same prefix, same provider settings, another key: its entry name differs; put the foreign entry there anyway.
        var mine = await StartAsync();
        var id = Assert.IsType<string>(Id(mine));
        await _redis.ExecuteAsync("SET", mine.Store.Codec.EntryKey(id), foreignValue, "PX", "3600000");
        var pending = mine.Cache.GetAsync(CancellationToken.None).AsTask();
        (await mine.Source.NextFetchAsync()).Succeed("mine", DateTimeOffset.UtcNow, Hour);

        Assert.Equal("Bearer mine", (await pending.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
    }

    [RedisFact]
    public async Task PeerFailure_IsSharedWithTheWaiters_WhoBackOffWithoutATokenRequestOfTheirOwn()
    {
        var a = await StartAsync();
        var b = await StartAsync();
        var first = a.Cache.GetAsync(CancellationToken.None).AsTask();
        var fetch = await a.Source.NextFetchAsync();
        var second = b.Cache.GetAsync(CancellationToken.None).AsTask();
        Assert.True(await Eventually.TrueAsync(() => b.Store.GetStatus().LockWaits == 1));

        fetch.Fail(TokenFailureKind.Failed, "the token endpoint answered 500");

        var shared = await second.WaitAsync(TestTimeouts.Default);
        Assert.False(shared.Succeeded);
        Assert.Contains("answered 500", shared.Failure!.Reason, StringComparison.Ordinal);
        Assert.False((await first).Succeeded);
        Assert.Equal(0, b.Source.Calls);
        Assert.Equal("backoff", b.Cache.GetStatus().State);
    }

    [RedisFact]
    public async Task ReplicaDyingMidFetch_BlocksNobody_BeyondItsLease()
    {
        var options = FleetReplica.Options();
        options.Timeout = TimeSpan.FromSeconds(1); // the lease lasts as long as one token request may
        var dying = await StartAsync(options: options);
        var survivor = await StartAsync(options: options);
        _ = dying.Cache.GetAsync(CancellationToken.None).AsTask();
        await dying.Source.NextFetchAsync(); // holds the lease, never answers: as if the process had been killed
        dying.Store.Dispose();

        var pending = survivor.Cache.GetAsync(CancellationToken.None).AsTask();
        var own = await survivor.Source.NextFetchAsync(); // once the lease is gone
        own.Succeed("survivor", DateTimeOffset.UtcNow, Hour);

        Assert.Equal("Bearer survivor", (await pending.WaitAsync(TestTimeouts.Default)).Token!.HeaderValue);
        Assert.Equal(1, survivor.Store.GetStatus().LockWaits);
    }

    [RedisFact]
    public async Task Entries_AreNotReadableWithoutTheKey_AndExpireInRedisNoLaterThanTheToken()
    {
        var a = await StartAsync();
        var token = await FillAsync(a, "eyJ.secret-token-value.sig", lifetime: TimeSpan.FromMinutes(30));
        var keys = await _redis.KeysAsync("*");
        var entry = Assert.Single(keys, k => k.StartsWith("test:token:", StringComparison.Ordinal));
        var raw = (await _redis.GetAsync(entry))!;
        var ttlMs = (long)(await _redis.ExecuteAsync("PTTL", entry))!;

        Assert.All(keys, k => Assert.StartsWith("test:", k, StringComparison.Ordinal));
        Assert.All(keys, k => Assert.DoesNotContain("kp", k[5..], StringComparison.Ordinal));
        Assert.All(keys, k => Assert.DoesNotContain("api-key", k, StringComparison.Ordinal));
        foreach (var secret in new[] { "secret-token-value", "api-key-one", Convert.ToBase64String(Encoding.UTF8.GetBytes("secret-token-value")) })
        {
            Assert.DoesNotContain(secret, Encoding.Latin1.GetString(raw), StringComparison.Ordinal);
        }

        Assert.False(new SharedTokenCodec(FleetReplica.NewKey(), "test:").TryOpenEntry(entry, raw, out _));
        Assert.True(a.Store.Codec.TryOpenEntry(entry, raw, out var opened));
        Assert.Equal(token.HeaderValue, opened!.HeaderValue);
        Assert.InRange(ttlMs, 1, (long)(token.UsableUntil - DateTimeOffset.UtcNow).TotalMilliseconds + 1000);
    }

    [RedisFact]
    public async Task RedisDown_IsWarnedAboutOnce_NotPerRequest()
    {
        var logs = new CapturingLoggerProvider(null);
        var logger = logs.CreateLogger("AuthProxy.Tokens.SharedCache");
        var a = await StartAsync(logger: logger);
        await _redis.KillAsync();

        for (var i = 0; i < 5; i++)
        {
            var pending = a.Cache.GetAsync(CancellationToken.None).AsTask();
            (await a.Source.NextFetchAsync()).Succeed($"alone-{i}", DateTimeOffset.UtcNow, Hour);
            await pending.WaitAsync(TestTimeouts.Default);
            Assert.True(a.Cache.Invalidate(a.Cache.Current!, "test: next miss"));
        }

        Assert.Single(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("[1100]", StringComparison.Ordinal));
        Assert.True(a.Store.GetStatus().Fallbacks >= 5);
    }

    private async Task<FleetReplica> StartAsync(TimeProvider? time = null, byte[]? key = null, TokenProviderOptions? options = null, ILogger? logger = null)
    {
        var replica = await FleetReplica.StartAsync(_redis, key ?? _key, time, options, logger: logger ?? _logs.CreateLogger($"replica{_replicas.Count + 1}"));
        _replicas.Add(replica);
        return replica;
    }

    /// <summary>A miss on <paramref name="replica"/> that it fetches itself; returns once the token is in Redis too.</summary>
    private async Task<AccessToken> FillAsync(FleetReplica replica, string value, TimeProvider? time = null, TimeSpan? lifetime = null)
    {
        var pending = replica.Cache.GetAsync(CancellationToken.None).AsTask();
        (await replica.Source.NextFetchAsync()).Succeed(value, (time ?? TimeProvider.System).GetUtcNow(), lifetime ?? Hour);
        var token = (await pending.WaitAsync(TestTimeouts.Default)).Token!;
        var key = replica.Store.Codec.EntryKey(Id(replica)!);
        Assert.True(await Eventually.TrueAsync(async () => await _redis.GetAsync(key) is not null), "the token was not stored in Redis");
        return token;
    }

    private static string? Id(FleetReplica replica) =>
        ProviderIdentity.TryComputeId(replica.Cache.Name, replica.Cache.Options, replica.Store.Codec, out var id) ? id : null;

    private async Task<bool> PingTakesLongAsync()
    {
        var ping = _redis.ExecuteAsync("PING");
        return await Task.WhenAny(ping, Task.Delay(200)) != ping;
    }

    private static async Task<(FleetReplica Replica, FakeTokenSource.PendingFetch Fetch)> NextFetchOfAnyAsync(params FleetReplica[] replicas)
    {
        var waits = replicas.Select(async r => (Replica: r, Fetch: await r.Source.NextFetchAsync())).ToList();
        var first = await Task.WhenAny(waits);
        return await first;
    }
}
