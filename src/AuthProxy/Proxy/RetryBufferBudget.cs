namespace AuthProxy.Proxy;

/// <summary>
/// Bounds the memory that all retry buffers hold together (README "How tokens behave"): a body that would take more
/// streams on unbuffered and is not retried, so many slow uploads cannot exhaust the heap. One per process by default
/// (<see cref="Shared"/>); a service registered in DI replaces it (tests do).
/// </summary>
internal sealed class RetryBufferBudget
{
    /// <summary>Upper bound of the default budget: 256 MiB.</summary>
    public const long MaxDefaultCapacity = 256L * 1024 * 1024;

    private long _inUse;

    /// <param name="capacity">Bytes all retry buffers may hold together.</param>
    public RetryBufferBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
    }

    /// <summary>The process-wide budget: 1/8 of the memory the GC may use (its heap limit in a container), at most 256 MiB.</summary>
    public static RetryBufferBudget Shared { get; } = new(DefaultCapacity(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));

    public long Capacity { get; }

    /// <summary>Bytes held by retry buffers now.</summary>
    public long InUse => Volatile.Read(ref _inUse);

    internal static long DefaultCapacity(long availableMemory) =>
        availableMemory <= 0 ? MaxDefaultCapacity / 4 : Math.Min(availableMemory / 8, MaxDefaultCapacity);

    public bool TryReserve(long bytes)
    {
        if (Interlocked.Add(ref _inUse, bytes) > Capacity)
        {
            Interlocked.Add(ref _inUse, -bytes);
            return false;
        }

        return true;
    }

    public void Release(long bytes) => Interlocked.Add(ref _inUse, -bytes);
}
