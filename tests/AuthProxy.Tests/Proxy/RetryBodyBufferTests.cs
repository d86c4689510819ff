using System.Security.Cryptography;
using AuthProxy.Proxy;
using Microsoft.AspNetCore.Http.Features;

namespace AuthProxy.Tests.Proxy;

/// <summary>
/// How <see cref="UpstreamRetryMiddleware"/> buffers a body for the retry: pooled, grown as bytes arrive, bounded per
/// route by <c>RetryBodyLimit</c> and for the whole process by <see cref="RetryBufferBudget"/>, returned when the request ends.
/// </summary>
public sealed class RetryBodyBufferTests
{
    private readonly RetryBufferBudget _budget = new(64L * 1024 * 1024);

    [Fact]
    public async Task ChunkedBody_GrowsTheBufferAsBytesArrive_FromFourKibibytes()
    {
        var payload = RandomNumberGenerator.GetBytes(100_000);
        var body = new TrickleStream(payload, chunk: 1000, _budget);
        var context = NewContext(body, contentLength: null);

        Assert.True(await UpstreamRetryMiddleware.TryMakeReplayableAsync(context, 1024 * 1024, _budget));

        // Held while each read was waiting: never the whole 1 MiB limit, only what the bytes so far need.
        Assert.Equal(4096, body.HeldAtReads[0]);
        Assert.Equal([4096L, 8192, 16384, 32768, 65536, 131072], body.HeldAtReads.Distinct());
        Assert.Equal(payload, await ReadAllAsync(context.Request.Body));
        context.Request.Body.Position = 0; // replayable
        Assert.Equal(payload, await ReadAllAsync(context.Request.Body));

        await EndAsync(context);
        Assert.Equal(0, _budget.InUse);
    }

    [Theory]
    [InlineData(1000L, 1024L)]            // the declared length (as the pool rounds it)
    [InlineData(1024L * 1024, 65536L)]    // a large declared length starts at 64 KiB until the bytes arrive
    public async Task DeclaredLength_SizesTheFirstBuffer(long length, long firstBuffer)
    {
        var payload = RandomNumberGenerator.GetBytes((int)length);
        var body = new TrickleStream(payload, chunk: 4096, _budget);
        var context = NewContext(body, contentLength: length);

        Assert.True(await UpstreamRetryMiddleware.TryMakeReplayableAsync(context, AuthTokenRoute.MaxRetryBodyLimit, _budget));

        Assert.Equal(firstBuffer, body.HeldAtReads[0]);
        Assert.Equal(payload, await ReadAllAsync(context.Request.Body));
        await EndAsync(context);
        Assert.Equal(0, _budget.InUse);
    }

    [Theory]
    [InlineData(8192, 8192, true)]   // exactly the limit: one more read decides
    [InlineData(8192, 8193, false)]
    [InlineData(10_000, 25_000, false)]
    [InlineData(10_000, 9_999, true)]
    public async Task ChunkedBody_AtOrOverTheLimit_IsReplayableOnlyWhenItFits_AndAlwaysForwardedIntact(int limit, int size, bool fits)
    {
        var payload = RandomNumberGenerator.GetBytes(size);
        var context = NewContext(new TrickleStream(payload, chunk: 3000, _budget), contentLength: null);

        Assert.Equal(fits, await UpstreamRetryMiddleware.TryMakeReplayableAsync(context, limit, _budget));

        Assert.Equal(payload, await ReadAllAsync(context.Request.Body));
        await EndAsync(context);
        Assert.Equal(0, _budget.InUse);
    }

    [Fact]
    public async Task BodyOverTheGlobalBudget_StreamsOnUnbuffered_AndIsNotRetried()
    {
        var budget = new RetryBufferBudget(16 * 1024);
        var payload = RandomNumberGenerator.GetBytes(50_000);
        var body = new TrickleStream(payload, chunk: 2000, budget);
        var context = NewContext(body, contentLength: null);

        Assert.False(await UpstreamRetryMiddleware.TryMakeReplayableAsync(context, 64 * 1024, budget));

        Assert.All(body.HeldAtReads, held => Assert.True(held <= budget.Capacity));
        Assert.Equal(payload, await ReadAllAsync(context.Request.Body));
        await EndAsync(context);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task NoRoomInTheBudgetAtAll_LeavesTheBodyAsItIs()
    {
        var budget = new RetryBufferBudget(0);
        var body = new TrickleStream([1, 2, 3], chunk: 3, budget);
        var context = NewContext(body, contentLength: null);

        Assert.False(await UpstreamRetryMiddleware.TryMakeReplayableAsync(context, 64 * 1024, budget));

        Assert.Same(body, context.Request.Body);
        Assert.Empty(body.HeldAtReads);
    }

    [Fact]
    public async Task ManyConcurrentBodies_NeverHoldMoreThanTheBudget()
    {
        var budget = new RetryBufferBudget(64 * 1024);
        var payload = RandomNumberGenerator.GetBytes(20_000);
        var bodies = Enumerable.Range(0, 20).Select(_ => new TrickleStream(payload, chunk: 1500, budget)).ToArray();
        var contexts = bodies.Select(b => NewContext(b, contentLength: null)).ToArray();

        var replayable = await Task.WhenAll(contexts.Select(c => UpstreamRetryMiddleware.TryMakeReplayableAsync(c, 64 * 1024, budget).AsTask()));

        Assert.Contains(true, replayable);
        Assert.Contains(false, replayable);
        Assert.All(bodies, b => Assert.All(b.HeldAtReads, held => Assert.True(held <= budget.Capacity)));
        foreach (var context in contexts)
        {
            Assert.Equal(payload, await ReadAllAsync(context.Request.Body));
            await EndAsync(context);
        }

        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task DeclaredLengthOverTheLimit_IsNotRead()
    {
        var body = new TrickleStream(new byte[100], chunk: 100, _budget);
        var context = NewContext(body, contentLength: 100);

        Assert.False(await UpstreamRetryMiddleware.TryMakeReplayableAsync(context, 99, _budget));

        Assert.Same(body, context.Request.Body);
        Assert.Equal(0, _budget.InUse);
    }

    [Theory]
    [InlineData(false, null)] // a GET: Kestrel says the request cannot have a body
    [InlineData(true, 0L)]
    public async Task NoBody_IsReplayable_WithoutABuffer(bool canHaveBody, long? contentLength)
    {
        var context = NewContext(new TrickleStream([], chunk: 1, _budget), contentLength);
        context.Features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(canHaveBody));

        Assert.True(await UpstreamRetryMiddleware.TryMakeReplayableAsync(context, 64 * 1024, _budget));

        Assert.Equal(0, _budget.InUse);
    }

    [Theory]
    [InlineData(201_326_592L, 25_165_824L)]          // a 256Mi container: .NET's 192 MiB heap limit / 8 = 24 MiB
    [InlineData(25L * 1024 * 1024 * 1024, 268_435_456L)] // capped at 256 MiB
    [InlineData(0L, 67_108_864L)]                    // unknown: 64 MiB
    public void DefaultBudget_IsAnEighthOfTheGcMemory_CappedAt256MiB(long available, long expected) =>
        Assert.Equal(expected, RetryBufferBudget.DefaultCapacity(available));

    private static DefaultHttpContext NewContext(Stream body, long? contentLength)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(new CompletingResponseFeature());
        context.Request.Method = "POST";
        context.Request.Body = body;
        context.Request.ContentLength = contentLength;
        return context;
    }

    /// <summary>Runs what the request registered for its end, as Kestrel does once the response is done.</summary>
    private static Task EndAsync(HttpContext context) => ((CompletingResponseFeature)context.Features.Get<IHttpResponseFeature>()!).CompleteAsync();

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>A request body that arrives <paramref name="chunk"/> bytes per read and notes what the budget holds at each read.</summary>
    private sealed class TrickleStream(byte[] data, int chunk, RetryBufferBudget budget) : Stream
    {
        private int _position;

        public List<long> HeldAtReads { get; } = [];

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            HeldAtReads.Add(budget.InUse);
            var n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            return new ValueTask<int>(n);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => canHaveBody;
    }

    /// <summary>A response feature that keeps <c>OnCompleted</c> callbacks (which <c>RegisterForDispose</c> uses) to run them later.</summary>
    private sealed class CompletingResponseFeature : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _completed = [];

        public override void OnCompleted(Func<object, Task> callback, object state) => _completed.Add((callback, state));

        public async Task CompleteAsync()
        {
            foreach (var (callback, state) in _completed)
            {
                await callback(state);
            }

            _completed.Clear();
        }
    }
}
