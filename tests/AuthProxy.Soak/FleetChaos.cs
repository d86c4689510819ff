using System.Collections.Concurrent;
using System.Globalization;

namespace AuthProxy.Soak;

/// <summary>A fleet fault the soak caused: what, when (from the fault until it was undone), and the details.</summary>
internal sealed record FleetFault(string Kind, FaultWindow Window, string Detail);

/// <summary>
/// The fleet faults: one per 20 s cycle, at 11 s into it (right after the valid config edit at 10 s, so a restarted
/// replica reads a valid file, and clear of the revocation at 5 s), rotating through replica-kill, redis-kill and
/// redis-slow — in a 60 s run each happens once. Redis faults are undone after <see cref="RedisFaultLength"/>; a killed
/// replica is restarted on its port <see cref="ReplicaGap"/> after the kill. The last replica is the one killed, so
/// replica 0 lives through the run and its resources are sampled for leaks.
/// </summary>
internal sealed class FleetChaos(SoakFleet fleet, FaultInjector injector, ChaosSchedule schedule, SoakOptions options, DateTimeOffset t0)
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan Offset = TimeSpan.FromSeconds(11);
    public static readonly TimeSpan RedisFaultLength = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan ReplicaGap = TimeSpan.FromSeconds(2);

    /// <summary>How long a replica's own token request may take to arrive to be held before the replica is killed anyway.</summary>
    public static readonly TimeSpan HoldWait = TimeSpan.FromSeconds(4);

    /// <summary>
    /// After Redis is back, a replica may go on alone this much longer: the proxy leaves Redis alone 2 s after a slow
    /// operation, and reconnecting after a kill takes its client a few seconds.
    /// </summary>
    public static readonly TimeSpan Recovery = TimeSpan.FromSeconds(6);

    /// <summary>After Redis is back (and <see cref="Recovery"/>), the longest time until every provider renewed through it once.</summary>
    public static readonly TimeSpan Resettle = TimeSpan.FromSeconds(4);

    private DateTimeOffset? _redisFaultSince;

    public ConcurrentQueue<FleetFault> Faults { get; } = new();

    /// <summary>Revocations the schedule skipped because they fell in a Redis fault's aftermath.</summary>
    public ConcurrentQueue<DateTimeOffset> SkippedRevocations { get; } = new();

    /// <summary>
    /// Whether a revocation now would meet replicas whose tokens diverged during a Redis fault: one is under way, or ended
    /// less than <see cref="Recovery"/> + <see cref="Resettle"/> ago. `all,-revoke-after-redis` skips those (finding 4, fixed).
    /// </summary>
    public bool InRedisAftermath(DateTimeOffset now) =>
        _redisFaultSince is not null || Faults.Any(f => f.Kind != "replica-kill" && now < f.Window.End + Recovery + Resettle);

    /// <summary>The spans in which replicas may have been on their own: Redis faults plus <see cref="Recovery"/>.</summary>
    public IReadOnlyList<FaultWindow> RedisOutages =>
        Faults.Where(f => f.Kind != "replica-kill").Select(f => f.Window with { End = f.Window.End + Recovery }).ToList();

    public async Task RunAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var kinds = new List<string>();
        if (options.Faults.HasFlag(AuthProxy.Soak.Faults.ReplicaKill))
        {
            kinds.Add("replica-kill");
        }

        if (options.Faults.HasFlag(AuthProxy.Soak.Faults.RedisKill))
        {
            kinds.Add("redis-kill");
        }

        if (options.Faults.HasFlag(AuthProxy.Soak.Faults.RedisSlow))
        {
            kinds.Add("redis-slow");
        }

        if (kinds.Count == 0 || fleet.Redis is null)
        {
            return;
        }

        for (var cycle = 0; ; cycle++)
        {
            var at = t0 + (Period * cycle) + Offset;
            // A fault and its repair must fit before the end of the load, with the schedule's 3 s of quiet after.
            if (at + HoldWait + ReplicaGap + TimeSpan.FromSeconds(3) > deadline)
            {
                return;
            }

            var wait = at - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            switch (kinds[cycle % kinds.Count])
            {
                case "replica-kill": await KillReplicaAsync(fleet.Replicas.Count - 1, cancellationToken); break;
                case "redis-kill": await KillRedisAsync(cancellationToken); break;
                default: await SlowRedisAsync(cancellationToken); break;
            }
        }
    }

    private async Task KillRedisAsync(CancellationToken cancellationToken)
    {
        var start = DateTimeOffset.UtcNow;
        _redisFaultSince = start;
        await fleet.Redis!.KillAsync();
        await Task.Delay(RedisFaultLength, cancellationToken);
        await fleet.Redis.RestartAsync(cancellationToken);
        Faults.Enqueue(new FleetFault("redis-kill", new FaultWindow(start, DateTimeOffset.UtcNow), $"SIGKILL, restarted empty on port {fleet.Redis.Port}"));
        _redisFaultSince = null;
    }

    /// <summary>DEBUG SLEEP 0.5 back to back: every command waits up to 0.5 s, twice the proxy's 250 ms budget.</summary>
    private async Task SlowRedisAsync(CancellationToken cancellationToken)
    {
        var start = DateTimeOffset.UtcNow;
        _redisFaultSince = start;
        var sleeps = 0;
        while (DateTimeOffset.UtcNow - start < RedisFaultLength && !cancellationToken.IsCancellationRequested)
        {
            await fleet.Redis!.SleepAsync(TimeSpan.FromMilliseconds(500));
            sleeps++;
        }

        Faults.Enqueue(new FleetFault("redis-slow", new FaultWindow(start, DateTimeOffset.UtcNow), $"{sleeps}× DEBUG SLEEP 0.5"));
        _redisFaultSince = null;
    }

    /// <summary>Holds the replica's next token request at the IdP, kills the replica while it waits, restarts it on its port.</summary>
    private async Task KillReplicaAsync(int index, CancellationToken cancellationToken)
    {
        var hold = injector.HoldNextFrom(index);
        string detail;
        try
        {
            var held = await hold.WaitAsync(HoldWait, cancellationToken);
            detail = $"killed while the IdP held its {held.Provider.Name} token request ({held.Path})";
        }
        catch (TimeoutException)
        {
            injector.CancelHold();
            detail = $"killed with no token request of its own in {HoldWait.TotalSeconds:0} s";
        }

        var killed = await fleet.KillAsync(index);
        await Task.Delay(ReplicaGap, cancellationToken);
        // A replica reads its configuration at start-up: restart it only while the file holds a valid edit.
        await schedule.WithValidFileAsync(() => fleet.RestartAsync(index, cancellationToken), cancellationToken);
        var replica = fleet.Replicas[index];
        Faults.Enqueue(new FleetFault("replica-kill", replica.Down[^1],
            $"replica {index} {detail}; back on port {replica.Port} after {(replica.Down[^1].End - killed).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"));
    }
}
