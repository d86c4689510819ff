using AuthProxy.Telemetry;
using StackExchange.Redis;

namespace AuthProxy.Tokens.Fleet;

/// <summary>
/// The connection to the fleet's Redis and every operation on it, each within <see cref="RedisTokenCacheOptions.OperationBudget"/>
/// (README "Running a fleet": Redis trouble is never client trouble). While Redis is down, unreachable or still connecting, operations
/// fail at once without waiting; one slower than the budget is abandoned, and for <see cref="SlowPause"/> afterwards none is
/// tried. StackExchange.Redis reconnects by itself; the first operation that succeeds again ends the outage. An outage is
/// logged once as a warning, its end once as information. Budgets and pauses are wall-clock time (<see cref="TimeProvider.System"/>):
/// they bound real network waits, which a test's fake clock must not cut short; token instants use the injected clock. Messages on the channel are opened and handed to the providers'
/// <see cref="SharedTokenCache"/>s (invalidations) and to replicas waiting for a fetch (stored, failed).
/// </summary>
internal sealed class RedisTokenStore : IDisposable
{
    /// <summary>After an operation overran its budget, Redis is left alone this long (a slow Redis costs a request the budget at most once per pause).</summary>
    internal static readonly TimeSpan SlowPause = TimeSpan.FromSeconds(2);

    /// <summary>A new outage within this long of the last one's end continues it: logged at Debug, not warned about again.</summary>
    private static readonly TimeSpan FlapWindow = TimeSpan.FromSeconds(30);

    private const string Connecting = "connecting";

    private readonly RedisTokenCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly TimeProvider _wall = TimeProvider.System;
    private readonly ILogger _logger;
    private readonly TokenCacheMetrics _metrics;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<SharedCacheEvent>> _signals = new(StringComparer.Ordinal);
    private SharedTokenCache[] _listeners = [];
    private ConnectionMultiplexer? _connection;
    private Task _connecting = Task.CompletedTask;
    private volatile bool _subscribed;
    private long _pausedUntilTicks;

    // State, under _gate.
    private bool _healthy;
    private bool _warned;
    private bool _everConnected;
    private string? _lastError;
    private DateTimeOffset _since;
    private DateTimeOffset _lastRecovery = DateTimeOffset.MinValue;

    private long _hits;
    private long _misses;
    private long _fallbacks;
    private long _lockWaits;

    public RedisTokenStore(RedisTokenCacheOptions options, TimeProvider time, ILogger logger, TokenCacheMetrics metrics)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        Codec = new SharedTokenCodec(options.EncryptionKey, options.KeyPrefix);
        Owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        _since = time.GetUtcNow();
        _lastError = Connecting;
    }

    public SharedTokenCodec Codec { get; }

    /// <summary>The wall clock of budgets, pauses and lease waits: Redis's own time, not the token clock.</summary>
    internal TimeProvider WallClock => _wall;

    /// <summary>This replica's lease owner id: a lease is released only by the replica that took it.</summary>
    public string Owner { get; }

    public RedisTokenCacheOptions Options => _options;

    internal TokenCacheMetrics Metrics => _metrics;

    /// <summary>False while Redis is known to be unusable: callers then go on alone without trying.</summary>
    public bool IsAvailable => _connection is { IsConnected: true } && _wall.GetUtcNow().UtcTicks >= Volatile.Read(ref _pausedUntilTicks);

    /// <summary>
    /// True when Redis may be used now; otherwise counts the fallback for <paramref name="provider"/> and notes the outage
    /// (the connection may be known lost before StackExchange.Redis reports it).
    /// </summary>
    public bool TryUse(string provider)
    {
        var connection = _connection;
        if (connection is { IsConnected: true } && _wall.GetUtcNow().UtcTicks >= Volatile.Read(ref _pausedUntilTicks))
        {
            return true;
        }

        CountFallback(provider, connection is { IsConnected: true } ? "slow" : "unavailable");
        if (connection is not { IsConnected: true })
        {
            NoteFailure(_everConnected ? "not connected (down or unreachable); reconnecting" : "not connected yet (down or unreachable)");
        }

        return false;
    }

    /// <summary>Starts connecting in the background: start-up never waits for Redis.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_connecting.IsCompleted && _connection is null && !_disposed.IsCancellationRequested)
            {
                _connecting = ConnectAsync();
            }
        }
    }

    public SharedTokenCacheStatus GetStatus()
    {
        lock (_gate)
        {
            return new SharedTokenCacheStatus("redis", _healthy ? "connected" : "degraded", _lastError, _since,
                Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _fallbacks), Interlocked.Read(ref _lockWaits));
        }
    }

    internal void CountHit(string provider)
    {
        Interlocked.Increment(ref _hits);
        _metrics.Hit(provider);
    }

    internal void CountMiss(string provider)
    {
        Interlocked.Increment(ref _misses);
        _metrics.Miss(provider);
    }

    internal void CountLockWait(string provider)
    {
        Interlocked.Increment(ref _lockWaits);
        _metrics.LockWait(provider);
    }

    internal void CountFallback(string provider, string reason)
    {
        if (provider.Length == 0)
        {
            return; // the store's own probe, not a provider's operation
        }

        Interlocked.Increment(ref _fallbacks);
        _metrics.Fallback(provider, reason);
    }

    /// <summary>Adds a provider's cache to those told about invalidations.</summary>
    public void Register(SharedTokenCache listener)
    {
        lock (_gate)
        {
            _listeners = [.. _listeners, listener];
        }
    }

    public void Unregister(SharedTokenCache listener)
    {
        lock (_gate)
        {
            _listeners = [.. _listeners.Where(l => !ReferenceEquals(l, listener))];
        }
    }

    /// <summary>
    /// Completes with the next <see cref="SharedCacheEventKind.Stored"/> or <see cref="SharedCacheEventKind.Failed"/> message
    /// about <paramref name="entryKey"/>. Take it before the operation whose outcome it waits for, so a quick answer is not missed.
    /// </summary>
    public Task<SharedCacheEvent> NextOutcome(string entryKey) =>
        _signals.GetOrAdd(entryKey, static _ => new TaskCompletionSource<SharedCacheEvent>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Runs a Lua script within the budget; <c>Ok</c> false when Redis could not be used.</summary>
    public Task<(bool Ok, RedisResult Value)> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] values, string provider) =>
        RunAsync(db => db.ScriptEvaluateAsync(script, keys, values), provider);

    /// <summary>Lets the next operation try Redis at once (tests; the pause after a slow operation otherwise ends by itself).</summary>
    internal void EndPause() => Volatile.Write(ref _pausedUntilTicks, 0);

    /// <summary>Reads a key within the budget.</summary>
    public Task<(bool Ok, RedisValue Value)> ReadAsync(string key, string provider) => RunAsync(db => db.StringGetAsync(key), provider);

    /// <summary>Writes a key that expires after <paramref name="ttl"/>, within the budget.</summary>
    public async Task<bool> WriteAsync(string key, byte[] value, TimeSpan ttl, string provider) =>
        (await RunAsync(db => db.StringSetAsync(key, value, ttl), provider)).Value;

    /// <summary>Publishes a sealed message on the fleet's channel, within the budget.</summary>
    public async Task<bool> PublishAsync(SharedCacheEvent message, string provider)
    {
        var sealedEvent = Codec.SealEvent(message);
        var (ok, _) = await RunAsync(async db => await db.Multiplexer.GetSubscriber().PublishAsync(RedisChannel.Literal(Codec.Channel), sealedEvent), provider);
        return ok;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposeStarted, 1) != 0)
        {
            return;
        }

        _disposed.Cancel();
        _ = DisposeWhenConnectedAsync();
    }

    private int _disposeStarted;

    private async Task DisposeWhenConnectedAsync()
    {
        try
        {
            await _connecting;
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or OperationCanceledException)
        {
        }

        var connection = Interlocked.Exchange(ref _connection, null);
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        _disposed.Dispose();
    }

    private async Task<(bool Ok, T Value)> RunAsync<T>(Func<IDatabase, Task<T>> operation, string provider)
    {
        var connection = _connection;
        if (connection is null || !connection.IsConnected)
        {
            CountFallback(provider, "unavailable");
            NoteFailure(_everConnected ? "not connected (down or unreachable); reconnecting" : "not connected yet (down or unreachable)");
            return default;
        }

        if (_wall.GetUtcNow().UtcTicks < Volatile.Read(ref _pausedUntilTicks))
        {
            CountFallback(provider, "slow");
            return default;
        }

        Task<T> task;
        try
        {
            task = operation(connection.GetDatabase());
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            CountFallback(provider, "error");
            NoteFailure($"{ex.GetType().Name}");
            return default;
        }

        try
        {
            var value = await task.WaitAsync(RedisTokenCacheOptions.OperationBudget, _wall);
            NoteSuccess();
            return (true, value);
        }
        catch (TimeoutException)
        {
            ObserveLater(task);
            Volatile.Write(ref _pausedUntilTicks, (_wall.GetUtcNow() + SlowPause).UtcTicks);
            CountFallback(provider, "slow");
            NoteFailure($"an operation took longer than {RedisTokenCacheOptions.OperationBudget.TotalMilliseconds:0} ms");
            return default;
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            CountFallback(provider, "error");
            NoteFailure(Describe(ex));
            return default;
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        RedisConnectionException connection => $"connection failed ({connection.FailureType})",
        RedisTimeoutException => "Redis timed out",
        RedisServerException => "Redis refused an operation (RedisServerException)",
        _ => ex.GetType().Name,
    };

    private static void ObserveLater(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private void NoteSuccess()
    {
        if (!_subscribed)
        {
            _ = SubscribeAsync();
        }

        if (Volatile.Read(ref _healthy))
        {
            return;
        }

        lock (_gate)
        {
            if (_healthy)
            {
                return;
            }

            _healthy = true;
            _warned = false;
            var again = _everConnected;
            if (!again && _lastError == Connecting)
            {
                _lastError = null; // connected at the first attempt: there was no outage
            }

            _everConnected = true;
            _since = _time.GetUtcNow();
            if (again)
            {
                _lastRecovery = _since;
            }

            SharedCacheLog.Connected(_logger, again ? " again; replicas share tokens again" : "");
        }
    }

    /// <summary>Records that Redis could not be used. The first failure of an outage is warned about; the rest are not.</summary>
    private void NoteFailure(string reason)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_healthy)
            {
                _healthy = false;
                _since = now;
            }

            _lastError = reason;
            if (_warned)
            {
                return;
            }

            _warned = true;
            if (_everConnected && now - _lastRecovery < FlapWindow)
            {
                SharedCacheLog.StillDegraded(_logger, reason); // it came back only briefly: the same outage
            }
            else
            {
                SharedCacheLog.Degraded(_logger, reason);
            }
        }
    }

    private async Task ConnectAsync()
    {
        var configuration = ConfigurationOptions.Parse(_options.Configuration);
        // Never fail or queue: an operation either runs now or the replica goes on alone (the budget bounds every wait).
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ReconnectRetryPolicy = new LinearRetry(1000);
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 5000);
        configuration.ClientName ??= "authproxy";
        try
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
            connection.ConnectionFailed += (_, e) => NoteFailure($"connection lost ({e.FailureType})");
            connection.ConnectionRestored += (_, _) => _ = ProbeAsync();
            if (_disposed.IsCancellationRequested)
            {
                await connection.DisposeAsync();
                return;
            }

            _connection = connection;
            if (connection.IsConnected)
            {
                await SubscribeAsync();
                NoteSuccess();
            }
            else
            {
                NoteFailure("not connected yet (down or unreachable)");
            }
        }
        catch (Exception ex) when (ex is RedisException or ArgumentException or System.Net.Sockets.SocketException)
        {
            NoteFailure(Describe(ex));
        }
    }

    /// <summary>After a reconnect: one ping, so the status shows the recovery without waiting for a token to need Redis.</summary>
    private async Task ProbeAsync()
    {
        var (ok, _) = await RunAsync(db => db.PingAsync(), "");
        if (ok && !_subscribed)
        {
            await SubscribeAsync();
        }
    }

    /// <summary>True once this replica listens on the fleet's channel (StackExchange.Redis keeps the subscription across reconnects).</summary>
    internal bool IsSubscribed => _subscribed;

    private async Task SubscribeAsync()
    {
        var connection = _connection;
        if (connection is null || _subscribed || Interlocked.Exchange(ref _subscribing, 1) != 0)
        {
            return;
        }

        try
        {
            // Until it succeeds: a replica that misses messages still polls, but later, and it would not hear of a drop at all.
            while (!_subscribed && !_disposed.IsCancellationRequested)
            {
                try
                {
                    await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Codec.Channel), OnMessage)
                        .WaitAsync(TimeSpan.FromSeconds(5), _wall);
                    _subscribed = true;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _wall, _disposed.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Volatile.Write(ref _subscribing, 0);
        }
    }

    private int _subscribing;

    private void OnMessage(RedisChannel channel, RedisValue value)
    {
        if (!Codec.TryOpenEvent((byte[])value!, out var message))
        {
            SharedCacheLog.EventRejected(_logger);
            return;
        }

        if (message!.Kind == SharedCacheEventKind.Invalidated)
        {
            foreach (var listener in Volatile.Read(ref _listeners))
            {
                listener.OnInvalidated(message.EntryKey, message.Tag);
            }

            return;
        }

        if (_signals.TryRemove(message.EntryKey, out var signal))
        {
            signal.TrySetResult(message);
        }
    }
}
