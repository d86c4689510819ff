using System.Collections.Concurrent;
using AuthProxy.Telemetry;
using AuthProxy.Tokens.Fleet;

namespace AuthProxy.Tokens;

/// <summary>
/// The live set of token providers. <see cref="Apply"/> is called with each validated configuration:
/// unchanged providers keep their cache and token, changed ones get a fresh cache (dropping the token),
/// removed ones are emptied. It also owns the connection to the fleet's shared cache (<c>TokenCache:Redis</c>): a changed
/// section gives every provider a fresh cache on the new connection.
/// </summary>
internal sealed class TokenProviderRegistry : ITokenProviderCatalog, IDisposable
{
    private static readonly TimeSpan RetiredCacheGrace = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, TokenProviderSlot> _slots = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _fingerprints = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _applyGate = new();
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TokenMetrics _metrics;
    private readonly TokenCacheMetrics _sharedMetrics;
    private readonly CancellationToken _stopping;
    private readonly TokenEventLog? _events;
    private RedisTokenStore? _store;

    public TokenProviderRegistry(TimeProvider time, ILoggerFactory loggerFactory, TokenMetrics metrics, TokenCacheMetrics sharedMetrics,
        IHostApplicationLifetime lifetime, TokenEventLog? events = null)
    {
        _time = time;
        _loggerFactory = loggerFactory;
        _metrics = metrics;
        _events = events;
        _sharedMetrics = sharedMetrics;
        // Not ApplicationStopping: while the host drains (README "Running a fleet") and its requests in flight finish, tokens are
        // still fetched and renewed; once every request is done, whatever is left is cancelled.
        _stopping = lifetime.ApplicationStopped;
    }

    /// <summary>The shared cache's state for the status endpoint, or null when the fleet shares no cache.</summary>
    public SharedTokenCacheStatus? SharedCacheStatus => Volatile.Read(ref _store)?.GetStatus();

    public IEnumerable<string> Names => _slots.Where(s => s.Value.Cache is not null).Select(s => s.Key);

    public bool Contains(string name) => _slots.TryGetValue(name, out var slot) && slot.Cache is not null;

    public TokenProviderSlot GetSlot(string name) => _slots.GetOrAdd(name, static n => new TokenProviderSlot(n));

    /// <summary>All live caches, for the status endpoint and tests.</summary>
    public IEnumerable<TokenCache> Caches => _slots.Values.Select(s => s.Cache).OfType<TokenCache>();

    /// <summary>The live cache of a provider, or null.</summary>
    public TokenCache? Find(string name) => _slots.TryGetValue(name, out var slot) ? slot.Cache : null;

    /// <summary>Brings the providers (and the shared cache, <paramref name="sharedCache"/>; null for none) in line with a validated configuration.</summary>
    public void Apply(IReadOnlyList<ProviderDefinition> providers, RedisTokenCacheOptions? sharedCache = null)
    {
        lock (_applyGate)
        {
            var retiredStore = ApplyStore(sharedCache);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var provider in providers)
            {
                seen.Add(provider.Name);
                var slot = GetSlot(provider.Name);
                if (slot.Cache is not null && retiredStore is null && _fingerprints.TryGetValue(provider.Name, out var old) && old == provider.Fingerprint)
                {
                    continue;
                }

                var logger = _loggerFactory.CreateLogger($"AuthProxy.Tokens.{provider.Name}");
                if (provider.Options.AcceptAnyServerCertificate)
                {
                    Log.AcceptingAnyCertificate(logger, provider.Name);
                }

                var source = TokenProviderTypes.CreateSource(provider.Options, _time);
                var shared = _store is { } store ? new SharedTokenCache(provider.Name, provider.Options, store, _time, logger, _stopping) : null;
                var cache = new TokenCache(provider.Name, provider.Options, source, _time, logger, _metrics, _stopping, shared, _events);
                var replaced = slot.Swap(cache);
                if (replaced?.Current is not null)
                {
                    _events?.Dropped(provider.Name, _time.GetUtcNow(), "its settings changed in the configuration");
                }

                Retire(replaced);
                _fingerprints[provider.Name] = provider.Fingerprint;
            }

            foreach (var (name, slot) in _slots)
            {
                if (!seen.Contains(name))
                {
                    Retire(slot.Swap(null));
                    _fingerprints.Remove(name);
                }
            }

            if (retiredStore is { Old: { } oldStore })
            {
                _ = DisposeLaterAsync(oldStore);
            }
        }
    }

    public void Dispose()
    {
        foreach (var slot in _slots.Values)
        {
            slot.Swap(null)?.Dispose();
        }

        Interlocked.Exchange(ref _store, null)?.Dispose();
    }

    /// <summary>Connects to the configured shared cache; returns the store it replaces when the section changed (null when it did not).</summary>
    private (RedisTokenStore? Old, bool Changed)? ApplyStore(RedisTokenCacheOptions? options)
    {
        var current = _store;
        if (current?.Options.Fingerprint == options?.Fingerprint)
        {
            return null;
        }

        RedisTokenStore? next = null;
        if (options is not null)
        {
            next = new RedisTokenStore(options, _time, _loggerFactory.CreateLogger("AuthProxy.Tokens.SharedCache"), _sharedMetrics);
            next.Start();
        }

        Volatile.Write(ref _store, next);
        return (current, true);
    }

    private async Task DisposeLaterAsync(RedisTokenStore store)
    {
        try
        {
            await Task.Delay(RetiredCacheGrace, _time, _stopping);
        }
        catch (OperationCanceledException)
        {
        }

        store.Dispose();
    }

    /// <summary>Requests in flight may still hold the old cache: dispose its HTTP client only after a grace period.</summary>
    private void Retire(TokenCache? cache)
    {
        if (cache is null)
        {
            return;
        }

        _ = DisposeLaterAsync(cache);
    }

    private async Task DisposeLaterAsync(TokenCache cache)
    {
        try
        {
            await Task.Delay(RetiredCacheGrace, _time, _stopping);
        }
        catch (OperationCanceledException)
        {
        }

        cache.Dispose();
    }
}
