using System.IO.Pipelines;

namespace AuthProxy.Proxy;

/// <summary>
/// A gRPC request body on an <c>AuthToken</c> route (docs/protocols.md): streamed to the upstream as the client writes it —
/// never held back, since a bidirectional call waits for answers before it sends more — while its first bytes are kept,
/// up to the route's retry buffer, as they pass. When the upstream answers <c>UNAUTHENTICATED</c> and the call's request
/// is complete within the buffer, it is replayed from what was kept. Past the buffer (or the process-wide budget) it
/// keeps nothing and is not replayable.
/// </summary>
internal sealed class RecordingRequestStream : Stream
{
    private readonly Stream _inner;
    private readonly PipeReader _reader;
    private readonly RetryBufferLease _lease;
    private readonly int _limit;
    private int _count;

    /// <param name="inner">The client's request body.</param>
    /// <param name="reader">The same body as Kestrel's pipe, to collect what already arrived without waiting.</param>
    /// <param name="lease">The buffer the kept bytes live in; disposed with the request.</param>
    /// <param name="limit">The route's retry buffer, in bytes.</param>
    public RecordingRequestStream(Stream inner, PipeReader reader, RetryBufferLease lease, long limit)
    {
        _inner = inner;
        _reader = reader;
        _lease = lease;
        _limit = (int)Math.Min(limit, AuthTokenRoute.MaxRetryBodyLimit);
    }

    /// <summary>The client ended its request (end of stream read) and every byte of it was kept.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>More than the buffer was read (or the budget had no room): nothing is kept and the call cannot be replayed.</summary>
    public bool Overflowed { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Once the forwarder stopped reading: takes in what the client has already sent, without waiting for more, and says
    /// whether the request is now complete within the buffer. A unary call's message and end of stream arrive together,
    /// so they are there even when the upstream answered before the forwarder read them.
    /// </summary>
    public bool TryComplete()
    {
        while (!IsComplete && !Overflowed)
        {
            ReadResult result;
            try
            {
                if (!_reader.TryRead(out result))
                {
                    return false;
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException or BadHttpRequestException)
            {
                return false; // a body that cannot be read on: not replayable, the upstream's answer goes out as it came
            }

            foreach (var segment in result.Buffer)
            {
                Keep(segment.Span);
            }

            _reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                IsComplete = !Overflowed;
            }
            else if (result.Buffer.IsEmpty)
            {
                return false;
            }
        }

        return IsComplete;
    }

    /// <summary>The complete request, for the retry.</summary>
    public Stream Replay() => IsComplete
        ? new MemoryStream(_lease.Buffer, 0, _count, writable: false)
        : throw new InvalidOperationException("Only a complete request can be replayed.");

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        if (read == 0 && !buffer.IsEmpty) // YARP reads zero bytes to wait for data: that 0 is no end of stream
        {
            IsComplete = !Overflowed;
        }
        else
        {
            Keep(buffer.Span[..read]);
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = _inner.Read(buffer);
        if (read == 0 && !buffer.IsEmpty)
        {
            IsComplete = !Overflowed;
        }
        else
        {
            Keep(buffer[..read]);
        }

        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        if (Overflowed || bytes.IsEmpty)
        {
            return;
        }

        var needed = _count + bytes.Length;
        if (needed > _limit)
        {
            GiveUp();
            return;
        }

        if (needed > _lease.Buffer.Length)
        {
            var size = (int)Math.Min(Math.Max(needed, 2L * _lease.Buffer.Length), _limit);
            if (!_lease.TryGrow(Math.Max(size, UpstreamRetryMiddleware.InitialBufferSize), keep: _count))
            {
                GiveUp();
                return;
            }
        }

        bytes.CopyTo(_lease.Buffer.AsSpan(_count));
        _count = needed;
    }

    private void GiveUp()
    {
        Overflowed = true;
        _count = 0;
        _lease.Dispose(); // the bytes are no use now: return them to the budget at once
    }
}
