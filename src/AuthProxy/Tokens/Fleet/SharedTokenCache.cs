using System.Globalization;
using StackExchange.Redis;

namespace AuthProxy.Tokens.Fleet;

/// <summary>
/// One provider's part of the fleet's shared token cache (README "Running a fleet"). The <see cref="TokenCache"/> still serves every
/// request from memory; it comes here only when it must obtain a token (a local miss, or renewal time):
/// <list type="number">
/// <item>One script call reads the entry and, when there is none that helps (or it is the very token being renewed),
/// takes the fleet's lease (<c>SET NX PX</c>, as long as the provider's <c>Timeout</c> and no longer, so a replica that dies
/// mid-fetch holds nobody up beyond it).</item>
/// <item>With the lease, this replica fetches, stores the sealed token (expiring in Redis when it stops being usable) and
/// tells the fleet; a failure is told too, so the others back off instead of asking as well.</item>
/// <item>Without it, it waits for that message (polling too, in case one is lost) until the lease is gone, then tries again
/// and in the end fetches alone.</item>
/// </list>
/// After an upstream 401 drops a token, the entry is deleted only while it still holds that token, and every replica is told
/// to stop using it. Whenever Redis cannot be used the replica goes on alone at once (<see cref="RedisTokenStore"/>).
/// </summary>
internal sealed class SharedTokenCache : IDisposable
{
    /// <summary>How often a waiting replica looks for the token, besides listening for the message.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long past the lease's end a waiter still expects the holder's answer.</summary>
    private static readonly TimeSpan LeaseGrace = TimeSpan.FromMilliseconds(100);

    private const int RevokedMemory = 32;
    private const int MaxRounds = 3;

    // KEYS: entry, lease. ARGV: owner, lease ms, the tag of the token that does not help (renewed, or unusable here), or ''.
    // Returns {1, entry} for an entry with another token, {2} when this replica took the lease, {3, lease ms left} otherwise.
    private const string ObtainScript = """
        local v = redis.call('GET', KEYS[1])
        if v and (ARGV[3] == '' or string.sub(v, 2, 17) ~= ARGV[3]) then return {1, v} end
        if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
        return {3, redis.call('PTTL', KEYS[2])}
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private const string DropScript = """
        local v = redis.call('GET', KEYS[1])
        if v and string.sub(v, 2, 17) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private readonly string _provider;
    private readonly TokenProviderOptions _options;
    private readonly RedisTokenStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly Queue<byte[]> _revoked = new();
    private readonly Lock _revokedGate = new();

    // UTC ticks of this replica's latest 401 drop. A revocation covers what was issued up to a moment before that 401, so
    // a token obtained before it may be revoked too and is not taken from Redis: the entry can hold one that another
    // replica obtained just before the revocation, or, after a Redis outage, an older one (docs/tokens.md, "Across a fleet").
    private long _refusedObtainedUpToTicks;
    private Action<string, byte[]>? _onInvalidated;

    public SharedTokenCache(string provider, TokenProviderOptions options, RedisTokenStore store, TimeProvider time, ILogger logger,
        CancellationToken stopping)
    {
        _provider = provider;
        _options = options;
        _store = store;
        _time = time;
        _logger = logger;
        _stopping = stopping;
        store.Register(this);
    }

    /// <summary>Called with (entry key, tag) when the fleet is told to stop using a token; the owning cache drops it if it holds it.</summary>
    public void OnInvalidated(Action<string, byte[]> handler) => _onInvalidated = handler;

    /// <summary>
    /// Obtains a token for a local miss or a renewal of <paramref name="current"/> (the cached token, usable or not):
    /// the fleet's token when there is a usable one, else <paramref name="fetch"/>'s, coordinated with the other replicas.
    /// </summary>
    public async Task<SharedOutcome> ObtainAsync(AccessToken? current, Func<Task<TokenResult>> fetch)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        if (!_store.TryUse(_provider))
        {
            return await FetchAndShareAsync(fetch, null, null);
        }

        if (!ProviderIdentity.TryComputeId(_provider, _options, _store.Codec, out var id))
        {
            return new SharedOutcome(await fetch(), TokenOrigin.Fetched);
        }

        var codec = _store.Codec;
        var entryKey = codec.EntryKey(id);
        var leaseKey = codec.LeaseKey(id);
        // The token being renewed (or no longer usable here) does not help, wherever Redis has it.
        var stale = current?.Shared is { } mine && mine.EntryKey == entryKey ? mine.Tag : [];
        var leaseMs = Math.Max(1, (long)_options.Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        for (var round = 0; round < MaxRounds; round++)
        {
            var outcome = _store.NextOutcome(entryKey);
            var (ok, reply) = await _store.EvaluateAsync(ObtainScript, [entryKey, leaseKey], [_store.Owner, leaseMs, (RedisValue)stale], _provider);
            if (!ok)
            {
                return await FetchAndShareAsync(fetch, null, null);
            }

            var parts = (RedisResult[])reply!;
            switch ((int)parts[0])
            {
                case 1:
                    var value = (byte[])parts[1]!;
                    if (TryAdopt(entryKey, value, current, out var adopted))
                    {
                        _store.CountHit(_provider);
                        SharedCacheLog.Adopted(_logger, _provider, adopted!.ExpiresAt);
                        return new SharedOutcome(adopted, TokenOrigin.Shared);
                    }

                    var tag = SharedTokenCodec.TagOf(value);
                    if (tag.IsEmpty)
                    {
                        // Not even shaped like an entry: fetch alone and overwrite it.
                        _store.CountMiss(_provider);
                        return await FetchAndShareAsync(fetch, entryKey, null);
                    }

                    stale = tag.ToArray(); // does not help either: take the lease over it
                    continue;
                case 2:
                    _store.CountMiss(_provider);
                    return await FetchAndShareAsync(fetch, entryKey, leaseKey);
                default:
                    _store.CountLockWait(_provider);
                    var left = TimeSpan.FromMilliseconds(Math.Max(0, (long)parts[1]));
                    var wait = Min(left, _options.Timeout) + LeaseGrace;
                    SharedCacheLog.WaitingForLease(_logger, _provider, wait.TotalMilliseconds);
                    var waited = await WaitForPeerAsync(entryKey, outcome, current, stale, wait);
                    if (waited is { } result)
                    {
                        return result;
                    }

                    SharedCacheLog.WaitedInVain(_logger, _provider, wait.TotalMilliseconds);
                    continue;
            }
        }

        _store.CountFallback(_provider, "lease");
        return await FetchAndShareAsync(fetch, entryKey, null);
    }

    /// <summary>
    /// An upstream 401 dropped <paramref name="rejected"/>: delete the entry while it still holds that token, and tell every
    /// replica to stop using it. In the background, within the budget; without Redis each replica judges its own 401s.
    /// <see cref="Refusing"/> comes first.
    /// </summary>
    public void Dropped(AccessToken rejected)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        if (rejected.Shared is { } where)
        {
            _ = DropAsync(where);
        }
    }

    /// <summary>
    /// Called before <paramref name="rejected"/> leaves the cache after an upstream 401, so that a request missing the
    /// moment it has gone cannot take it again from Redis: remembers its tag, and takes no entry obtained before now.
    /// </summary>
    public void Refusing(AccessToken rejected)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        var now = _time.GetUtcNow().UtcTicks;
        for (var seen = Volatile.Read(ref _refusedObtainedUpToTicks); now > seen;)
        {
            var was = Interlocked.CompareExchange(ref _refusedObtainedUpToTicks, now, seen);
            if (was == seen)
            {
                break;
            }

            seen = was;
        }

        if (rejected.Shared is { } where)
        {
            Remember(where.Tag);
        }
    }

    /// <summary>True when the fleet was told to stop using the token with <paramref name="tag"/>.</summary>
    public bool IsRevoked(ReadOnlySpan<byte> tag)
    {
        lock (_revokedGate)
        {
            foreach (var revoked in _revoked)
            {
                if (revoked.AsSpan().SequenceEqual(tag))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Records a tag the fleet must not use (from a drop here or a message).</summary>
    public void Remember(byte[] tag)
    {
        lock (_revokedGate)
        {
            _revoked.Enqueue(tag);
            while (_revoked.Count > RevokedMemory)
            {
                _revoked.Dequeue();
            }
        }
    }

    /// <summary>A message from the channel: some replica dropped the token with <paramref name="tag"/>.</summary>
    internal void OnInvalidated(string entryKey, byte[] tag)
    {
        Remember(tag);
        _onInvalidated?.Invoke(entryKey, tag);
    }

    public void Dispose() => _store.Unregister(this);

    private async Task<SharedOutcome?> WaitForPeerAsync(string entryKey, Task<SharedCacheEvent> outcome, AccessToken? current, byte[] stale,
        TimeSpan wait)
    {
        // The lease expires on Redis's clock: wait on the wall clock, whatever clock the tokens use.
        var wall = _store.WallClock;
        var until = wall.GetUtcNow() + wait;
        while (!_stopping.IsCancellationRequested)
        {
            var left = until - wall.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            if (!outcome.IsCompleted)
            {
                try
                {
                    await Task.WhenAny(outcome, Task.Delay(Min(left, PollInterval), wall, _stopping));
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }

            if (outcome.IsCompletedSuccessfully && outcome.Result.Kind == SharedCacheEventKind.Failed)
            {
                var failed = outcome.Result;
                SharedCacheLog.PeerFailed(_logger, _provider, failed.Reason);
                return new SharedOutcome(TokenResult.Fail(failed.FailureKind, failed.Reason, failed.RetryAfter), TokenOrigin.PeerFailure);
            }

            var (ok, value) = await _store.ReadAsync(entryKey, _provider);
            if (!ok)
            {
                return null; // Redis trouble: the next round falls back at once
            }

            if (!value.IsNull)
            {
                var bytes = (byte[])value!;
                if (!SharedTokenCodec.TagOf(bytes).SequenceEqual(stale) &&
                    TryAdopt(entryKey, bytes, current, out var adopted))
                {
                    _store.CountHit(_provider);
                    SharedCacheLog.Adopted(_logger, _provider, adopted!.ExpiresAt);
                    return new SharedOutcome(adopted, TokenOrigin.Shared);
                }
            }

            if (outcome.IsCompleted)
            {
                outcome = _store.NextOutcome(entryKey);
            }
        }

        return null;
    }

    /// <summary>Opens an entry and makes it this replica's token, unless it does not open, was revoked, is no longer usable, or is not newer than the one being renewed.</summary>
    private bool TryAdopt(string entryKey, byte[] value, AccessToken? current, out AccessToken? token)
    {
        token = null;
        if (!_store.Codec.TryOpenEntry(entryKey, value, out var entry))
        {
            SharedCacheLog.EntryRejected(_logger, _provider);
            return false;
        }

        if (IsRevoked(entry!.Tag) || entry.ObtainedAt.UtcTicks <= Volatile.Read(ref _refusedObtainedUpToTicks) ||
            (current is not null && current.Phase != TokenPhase.Unusable && entry.ExpiresAt <= current.ExpiresAt))
        {
            return false;
        }

        var candidate = AccessToken.Create(entry.HeaderValue, entry.ObtainedAt, entry.IssuedAt, entry.ExpiresAt, _options.RefreshAfter, _options.ExpiryWindow);
        if (_time.GetUtcNow() >= candidate.UsableUntil)
        {
            return false;
        }

        candidate.Shared = new SharedTokenRef(entryKey, entry.Tag);
        token = candidate;
        return true;
    }

    /// <summary>Fetches; then, in the background, stores the token (or tells the failure) and releases the lease.</summary>
    private async Task<SharedOutcome> FetchAndShareAsync(Func<Task<TokenResult>> fetch, string? entryKey, string? leaseKey)
    {
        TokenResult result;
        try
        {
            result = await fetch();
        }
        catch
        {
            if (entryKey is not null && leaseKey is not null)
            {
                _ = ReleaseAsync(leaseKey);
            }

            throw;
        }

        if (entryKey is null)
        {
            return new SharedOutcome(result, TokenOrigin.Fetched);
        }

        if (result.Succeeded)
        {
            var token = result.Token;
            var tag = _store.Codec.Tag(token.HeaderValue);
            token.Shared = new SharedTokenRef(entryKey, tag);
            var ttl = token.UsableUntil == DateTimeOffset.MaxValue ? TimeSpan.Zero : token.UsableUntil - _time.GetUtcNow();
            _ = ShareAsync(entryKey, leaseKey, ttl > TimeSpan.Zero ? _store.Codec.SealEntry(entryKey, token, tag) : null, ttl);
        }
        else if (leaseKey is not null)
        {
            var failure = result.Failure;
            _ = TellFailureAsync(entryKey, leaseKey, failure);
        }

        return new SharedOutcome(result, TokenOrigin.Fetched);
    }

    private async Task ShareAsync(string entryKey, string? leaseKey, byte[]? sealedEntry, TimeSpan ttl)
    {
        // Redis expires the entry when the token stops being usable, never later than the token itself.
        if (sealedEntry is not null && await _store.WriteAsync(entryKey, sealedEntry, ttl, _provider))
        {
            await _store.PublishAsync(new SharedCacheEvent(SharedCacheEventKind.Stored, entryKey, []), _provider);
        }

        if (leaseKey is not null)
        {
            await ReleaseAsync(leaseKey);
        }
    }

    private async Task TellFailureAsync(string entryKey, string leaseKey, TokenFailure failure)
    {
        await _store.PublishAsync(new SharedCacheEvent(SharedCacheEventKind.Failed, entryKey, [], failure.Kind, failure.RetryAfter, failure.Reason), _provider);
        await ReleaseAsync(leaseKey);
    }

    private async Task ReleaseAsync(string leaseKey) => await _store.EvaluateAsync(ReleaseScript, [leaseKey], [_store.Owner], _provider);

    private async Task DropAsync(SharedTokenRef where)
    {
        await _store.EvaluateAsync(DropScript, [where.EntryKey], [where.Tag], _provider);
        await _store.PublishAsync(new SharedCacheEvent(SharedCacheEventKind.Invalidated, where.EntryKey, where.Tag), _provider);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
