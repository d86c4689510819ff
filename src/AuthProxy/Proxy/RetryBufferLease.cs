using System.Buffers;
using System.Numerics;

namespace AuthProxy.Proxy;

/// <summary>
/// One request's retry buffer: pooled, grown as the body arrives, charged to the <see cref="RetryBufferBudget"/> while
/// held and returned when the request ends (the middleware registers it with <c>Response.RegisterForDispose</c>).
/// </summary>
internal sealed class RetryBufferLease(RetryBufferBudget budget) : IDisposable
{
    public byte[] Buffer { get; private set; } = [];

    /// <summary>
    /// Replaces the buffer with one of at least <paramref name="size"/> bytes holding the first <paramref name="keep"/>
    /// bytes of the old one. False, with the old buffer kept, when the budget has no room.
    /// </summary>
    public bool TryGrow(int size, int keep)
    {
        // Charge what the pool will hand out (it rounds up to a power of two) before renting, so a refused request allocates nothing.
        var charge = (long)BitOperations.RoundUpToPowerOf2((uint)Math.Max(size, 16));
        if (!budget.TryReserve(charge))
        {
            return false;
        }

        var next = ArrayPool<byte>.Shared.Rent(size);
        if (next.Length != charge)
        {
            budget.Release(charge - next.Length);
        }

        Buffer.AsSpan(0, keep).CopyTo(next);
        ReturnBuffer();
        Buffer = next;
        return true;
    }

    public void Dispose()
    {
        ReturnBuffer();
        Buffer = [];
    }

    private void ReturnBuffer()
    {
        if (Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
            budget.Release(Buffer.Length);
        }
    }
}
