namespace AuthProxy.Tokens;

/// <summary>
/// What upstreams accepted one token for (a non-401 answer): the latest start of a request that was accepted, and the
/// first resources that accepted it; an upstream 401 is judged by these (README "How tokens behave"). Written lock-free
/// on the per-request path, and rarely: the start only when it moves on (the tick is coarse), a resource only on its
/// first acceptance; a full table stops growing, so later resources fall back to the 401 budget.
/// </summary>
internal sealed class TokenAcceptance
{
    /// <summary>Resources remembered per token: enough for the routes and paths a client set-up uses over one token's life.</summary>
    internal const int Capacity = 32;

    // 0 marks a slot claimed but not yet written; resource keys are never 0.
    private readonly ulong[] _resources = new ulong[Capacity];
    private int _count;
    private long _latestStart = long.MinValue;

    /// <summary>The latest start tick of an accepted request, <see cref="long.MinValue"/> before the first.</summary>
    public long LatestAcceptedStart => Volatile.Read(ref _latestStart);

    /// <summary>Records an acceptance. True when the resource was not known before (the first acceptance there).</summary>
    public bool Record(ulong resource, long startTick)
    {
        var latest = Volatile.Read(ref _latestStart);
        while (startTick > latest)
        {
            var seen = Interlocked.CompareExchange(ref _latestStart, startTick, latest);
            if (seen == latest)
            {
                break;
            }

            latest = seen;
        }

        if (Contains(resource))
        {
            return false;
        }

        // Claim a slot only while there is room, so a full table costs no shared write per request.
        if (Volatile.Read(ref _count) < Capacity)
        {
            var index = Interlocked.Increment(ref _count) - 1;
            if (index < Capacity)
            {
                Volatile.Write(ref _resources[index], resource);
            }
        }

        return true;
    }

    /// <summary>True when a request for <paramref name="resource"/> was accepted with this token.</summary>
    public bool Contains(ulong resource) => _resources.AsSpan(0, Math.Min(Volatile.Read(ref _count), Capacity)).Contains(resource);
}
