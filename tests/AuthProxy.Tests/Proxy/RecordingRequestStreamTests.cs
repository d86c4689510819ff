using System.IO.Pipelines;
using AuthProxy.Proxy;

namespace AuthProxy.Tests.Proxy;

/// <summary>
/// The gRPC request body on an <c>AuthToken</c> route: it streams as read, keeps its first bytes up to the retry buffer,
/// and is replayable only once complete within it.
/// </summary>
public sealed class RecordingRequestStreamTests
{
    [Fact]
    public async Task ZeroByteReads_AreNoEndOfStream_TheRealEndIs()
    {
        var pipe = new Pipe();
        var budget = new RetryBufferBudget(1024 * 1024);
        using var lease = new RetryBufferLease(budget);
        var stream = new RecordingRequestStream(pipe.Reader.AsStream(), pipe.Reader, lease, 1024);
        await pipe.Writer.WriteAsync(new byte[] { 1, 2, 3 });

        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty)); // YARP waits for data this way
        Assert.False(stream.IsComplete);
        var buffer = new byte[16];
        Assert.Equal(3, await stream.ReadAsync(buffer));
        await pipe.Writer.CompleteAsync();
        Assert.Equal(0, await stream.ReadAsync(buffer));

        Assert.True(stream.IsComplete);
        var replay = new MemoryStream();
        await stream.Replay().CopyToAsync(replay);
        Assert.Equal([1, 2, 3], replay.ToArray());
    }

    [Fact]
    public async Task TryComplete_TakesWhatAlreadyArrived_WithoutWaiting()
    {
        var pipe = new Pipe();
        using var lease = new RetryBufferLease(new RetryBufferBudget(1024 * 1024));
        var stream = new RecordingRequestStream(pipe.Reader.AsStream(), pipe.Reader, lease, 1024);
        await pipe.Writer.WriteAsync(new byte[] { 9, 8 });
        var buffer = new byte[1];
        Assert.Equal(1, await stream.ReadAsync(buffer)); // the forwarder read one byte, then stopped

        Assert.False(stream.TryComplete()); // the rest is there, but the client has not ended its request
        await pipe.Writer.WriteAsync(new byte[] { 7 });
        await pipe.Writer.CompleteAsync();
        Assert.True(stream.TryComplete());

        var replay = new MemoryStream();
        await stream.Replay().CopyToAsync(replay);
        Assert.Equal([9, 8, 7], replay.ToArray());
    }

    [Fact]
    public async Task MoreThanTheBuffer_StreamsOn_KeepsNothing_AndIsNotReplayable()
    {
        var pipe = new Pipe();
        var budget = new RetryBufferBudget(1024 * 1024);
        var lease = new RetryBufferLease(budget);
        var stream = new RecordingRequestStream(pipe.Reader.AsStream(), pipe.Reader, lease, 10);
        await pipe.Writer.WriteAsync(new byte[25]);
        await pipe.Writer.CompleteAsync();

        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        Assert.Equal(25, copy.Length); // every byte went on
        Assert.True(stream.Overflowed);
        Assert.False(stream.IsComplete);
        Assert.False(stream.TryComplete());
        Assert.Equal(0, budget.InUse); // the buffer went back at once
        Assert.Throws<InvalidOperationException>(() => stream.Replay());
        lease.Dispose();
    }
}
