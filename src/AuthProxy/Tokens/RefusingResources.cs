namespace AuthProxy.Tokens;

/// <summary>
/// The resources of one provider that refused a freshly obtained token with 401 and have accepted none since: a later 401
/// there is about the request, and costs no token request. Bounded (the oldest entry is overwritten) and lock-free;
/// read and written only after a 401 or a resource's first acceptance of a token.
/// </summary>
internal sealed class RefusingResources
{
    internal const int Capacity = 64;

    private readonly ulong[] _slots = new ulong[Capacity];
    private int _next;

    public bool Contains(ulong resource) => _slots.AsSpan().Contains(resource);

    public void Add(ulong resource)
    {
        if (!Contains(resource))
        {
            // Capacity is a power of two, so the index stays in range when the counter wraps.
            Volatile.Write(ref _slots[(Interlocked.Increment(ref _next) - 1) & (Capacity - 1)], resource);
        }
    }

    public void Remove(ulong resource)
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            if (Volatile.Read(ref _slots[i]) == resource)
            {
                Interlocked.CompareExchange(ref _slots[i], 0, resource);
            }
        }
    }
}
