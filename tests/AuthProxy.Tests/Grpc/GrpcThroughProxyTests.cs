using System.Net;
using AuthProxy.Tests.Grpc.Protocol;
using AuthProxy.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;

namespace AuthProxy.Tests.Grpc;

/// <summary>
/// docs/protocols.md over real sockets: a real gRPC client (Grpc.Net.Client) through the proxy's h2c and TLS listeners to a
/// real gRPC server, for every kind of call, with the provider's token, deadlines, trailers and the 401 retry.
/// </summary>
public sealed class GrpcThroughProxyTests(ITestOutputHelper output)
{
    private static CallOptions Deadline(TimeSpan? within = null) => new(deadline: DateTime.UtcNow + (within ?? TestTimeouts.Default));

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task UnaryAndServerStreaming_CarryTheProvidersToken(bool tlsListener, bool tlsUpstream)
    {
        await using var rig = await GrpcProxyRig.StartAsync(output, tlsListener, tlsUpstream);
        using var channel = rig.Channel();
        var client = rig.Client(channel);

        using var unary = client.UnaryAsync(new EchoRequest { Text = "hello" }, Deadline());
        var reply = await unary.ResponseAsync;
        using var stream = client.ServerStream(new EchoRequest { Text = "tick", Count = 3 }, Deadline());
        var replies = await stream.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.StartsWith(tlsListener ? "https://" : "http://", rig.GrpcUrl);
        Assert.Equal("hello", reply.Text);
        Assert.Equal("Bearer tok-1", reply.Authorization);
        Assert.Equal("kept", unary.GetTrailers().GetValue("x-echo-trailer")); // the upstream's trailing metadata
        Assert.Equal(["tick 0", "tick 1", "tick 2"], replies.Select(r => r.Text));
        Assert.All(replies, r => Assert.Equal("Bearer tok-1", r.Authorization));
        Assert.Equal(StatusCode.OK, stream.GetStatus().StatusCode);
        Assert.Equal(1, rig.Iam.RequestCount);
        Assert.Equal(["Bearer tok-1", "Bearer tok-1"], rig.Upstream.Authorizations);
    }

    [Fact]
    public async Task ServerStreaming_EachReplyArrivesWhileTheUpstreamStillHoldsTheStream()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output);
        var seen = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        // Reply i+1 is written only once the client has read reply i: buffered anywhere, the call would never finish.
        rig.Upstream.BeforeReply = (i, ct) => i == 0 ? Task.CompletedTask : seen[i - 1].Task.WaitAsync(ct);
        using var channel = rig.Channel();

        using var call = rig.Client(channel).ServerStream(new EchoRequest { Text = "event", Count = 3 }, Deadline());
        var texts = new List<string>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestTimeouts.Default))
        {
            texts.Add(call.ResponseStream.Current.Text);
            seen[texts.Count - 1].SetResult();
        }

        Assert.Equal(["event 0", "event 1", "event 2"], texts);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ClientStreaming_MessagesReachTheUpstreamBeforeTheCallEnds()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output);
        var first = FirstMessageReachesUpstream(rig);
        using var channel = rig.Channel();

        using var call = rig.Client(channel).ClientStream(Deadline());
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "a", Payload = ByteString.CopyFrom(new byte[100]) });
        await first.WaitAsync(TestTimeouts.Default); // a proxy that waited for the whole request would stop here
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "b", Payload = ByteString.CopyFrom(new byte[200]) });
        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync.WaitAsync(TestTimeouts.Default);

        Assert.Equal("a,b", reply.Text);
        Assert.Equal(300, reply.Bytes);
        Assert.Equal("Bearer tok-1", reply.Authorization);
    }

    [Fact]
    public async Task ClientStreaming_LargerThanTheRetryBuffer_StreamsThrough()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output);
        var first = FirstMessageReachesUpstream(rig);
        using var channel = rig.Channel();
        var chunk = ByteString.CopyFrom(new byte[256 * 1024]); // each message alone is four times the 64 KiB retry buffer

        using var call = rig.Client(channel).ClientStream(Deadline());
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "0", Payload = chunk });
        await first.WaitAsync(TestTimeouts.Default);
        for (var i = 1; i < 16; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Payload = chunk });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync.WaitAsync(TestTimeouts.Default);

        Assert.Equal(16L * chunk.Length, reply.Bytes);
        Assert.Equal(16, reply.Index);
    }

    [Fact]
    public async Task BidirectionalStreaming_PingPong()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output);
        using var channel = rig.Channel();

        using var call = rig.Client(channel).Duplex(Deadline());
        for (var i = 0; i < 5; i++)
        {
            // Each reply is awaited before the next message is sent: nothing in between may wait for more.
            await call.RequestStream.WriteAsync(new EchoRequest { Text = $"ping {i}" });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestTimeouts.Default));
            Assert.Equal($"ping {i}", call.ResponseStream.Current.Text);
            Assert.Equal(i, call.ResponseStream.Current.Index);
            Assert.Equal("Bearer tok-1", call.ResponseStream.Current.Authorization);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestTimeouts.Default));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Deadline_ReachesTheUpstream()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output);
        using var channel = rig.Channel();

        var reply = await rig.Client(channel).UnaryAsync(new EchoRequest { Text = "x" }, Deadline(TimeSpan.FromMinutes(5)));

        // The server's deadline comes from the grpc-timeout header the proxy forwarded (Grpc.AspNetCore hides the header itself).
        Assert.InRange(reply.DeadlineMs, 1, 5 * 60 * 1000);
    }

    [Fact]
    public async Task Deadline_Expiring_CancelsTheUpstreamCall_AndTheClientGetsDeadlineExceeded()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output);
        var upstreamCanceled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        rig.Upstream.BeforeReply = async (i, ct) =>
        {
            if (i == 1)
            {
                await using var registration = ct.Register(() => upstreamCanceled.TrySetResult());
                await Task.Delay(Timeout.Infinite, ct);
            }
        };
        using var channel = rig.Channel();

        using var call = rig.Client(channel).ServerStream(new EchoRequest { Text = "slow", Count = 2 }, Deadline(TimeSpan.FromSeconds(1)));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestTimeouts.Default));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestTimeouts.Default));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await upstreamCanceled.Task.WaitAsync(TestTimeouts.Default); // the server's own deadline (grpc-timeout), or the proxy's cancellation
    }

    [Fact]
    public async Task RevokedToken_UpstreamUnauthenticated_IsReplacedAndTheCallSucceeds()
    {
        var revoked = false;
        await using var rig = await GrpcProxyRig.StartAsync(output);
        rig.Upstream.Refuse = c => Volatile.Read(ref revoked) && c.RequestHeaders.GetValue("authorization") == "Bearer tok-1"
            ? new Status(StatusCode.Unauthenticated, "token revoked")
            : null;
        using var channel = rig.Channel();
        var client = rig.Client(channel);
        Assert.Equal("Bearer tok-1", (await client.UnaryAsync(new EchoRequest { Text = "1" }, Deadline())).Authorization);
        Volatile.Write(ref revoked, true);

        var reply = await client.UnaryAsync(new EchoRequest { Text = "2", Payload = ByteString.CopyFrom(new byte[1000]) }, Deadline());
        using var stream = client.ServerStream(new EchoRequest { Text = "s", Count = 2 }, Deadline());
        var streamed = await stream.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal("Bearer tok-2", reply.Authorization);
        Assert.Equal("2", reply.Text);
        Assert.Equal(1000, reply.Bytes); // the replayed message arrived whole
        Assert.Equal(["Bearer tok-1", "Bearer tok-1", "Bearer tok-2", "Bearer tok-2"], rig.Upstream.Authorizations);
        Assert.Equal(2, streamed.Count);
        Assert.Equal(2, rig.Iam.RequestCount);
    }

    [Fact]
    public async Task RevokedToken_ClientStreamStillSending_IsNotReplayed_TheUpstreamsStatusReachesTheClient()
    {
        var revoked = false;
        await using var rig = await GrpcProxyRig.StartAsync(output);
        rig.Upstream.Refuse = c => Volatile.Read(ref revoked) && c.RequestHeaders.GetValue("authorization") == "Bearer tok-1"
            ? new Status(StatusCode.Unauthenticated, "token revoked")
            : null;
        using var channel = rig.Channel();
        var client = rig.Client(channel);
        await client.UnaryAsync(new EchoRequest { Text = "1" }, Deadline());
        Volatile.Write(ref revoked, true);

        using var call = client.ClientStream(Deadline());
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "a" });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TestTimeouts.Default));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("token revoked", error.Status.Detail);
        // The refused token was dropped all the same: the next call carries a new one.
        Assert.Equal("Bearer tok-2", (await client.UnaryAsync(new EchoRequest { Text = "2" }, Deadline())).Authorization);
    }

    [Fact]
    public async Task UpstreamRefusingEveryToken_SecondUnauthenticatedReachesTheClient()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output);
        using var channel = rig.Channel();
        var client = rig.Client(channel);
        await client.UnaryAsync(new EchoRequest { Text = "1" }, Deadline());
        rig.Upstream.Refuse = _ => new Status(StatusCode.Unauthenticated, "no access");

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest { Text = "2" }, Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("no access", error.Status.Detail);
        Assert.Equal(3, rig.Upstream.Calls); // the first call, then one retry with a new token
        Assert.Equal(2, rig.Iam.RequestCount);
    }

    [Fact]
    public async Task UpstreamStatusAndTrailers_ReachTheClient()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output);
        rig.Upstream.Refuse = _ => new Status(StatusCode.NotFound, "no such key: ü%");
        using var channel = rig.Channel();

        var error = await Assert.ThrowsAsync<RpcException>(() => rig.Client(channel).UnaryAsync(new EchoRequest(), Deadline()).ResponseAsync);
        using var stream = rig.Client(channel).ServerStream(new EchoRequest { Count = 1 }, Deadline());
        var streamError = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.ReadAllAsync().ToListAsync().AsTask());

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("no such key: ü%", error.Status.Detail);
        Assert.Equal(StatusCode.NotFound, streamError.StatusCode);
        Assert.Equal(1, rig.Iam.RequestCount); // not a 401: nothing dropped
    }

    [Fact]
    public async Task Http1ClientAndGrpcClient_UseTheProxyAtTheSameTime()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        rig.Upstream.BeforeReply = (i, ct) => i == 1 ? release.Task.WaitAsync(ct) : Task.CompletedTask;
        using var channel = rig.Channel();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(rig.Http1Url), Timeout = TestTimeouts.Default };

        using var call = rig.Client(channel).ServerStream(new EchoRequest { Text = "open", Count = 2 }, Deadline());
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestTimeouts.Default));
        // The gRPC stream is open (the upstream waits); HTTP/1.1 requests go through meanwhile.
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => http.GetAsync("/kms/api/v2/keys")));
        release.SetResult();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestTimeouts.Default));

        Assert.All(responses, r => Assert.Equal(HttpVersion.Version11, r.Version));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(rig.HttpUpstream.Requests, r => Assert.Equal("Bearer tok-1", r.Header("Authorization")));
        Assert.Equal("open 1", call.ResponseStream.Current.Text);
        Assert.Equal(1, rig.Iam.RequestCount);
    }

    [Fact]
    public async Task H2cListener_ServesHealthAndStatus()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri(rig.GrpcUrl),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TestTimeouts.Default,
        };

        using var health = await client.GetAsync("/healthz");
        using var ready = await client.GetAsync("/readyz");
        using var status = await client.GetAsync("/_authproxy/status");

        Assert.Equal(HttpVersion.Version20, health.Version);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Contains("\"kp\"", await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Completes when the upstream has received the call's first message.</summary>
    private static Task FirstMessageReachesUpstream(GrpcProxyRig rig)
    {
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        rig.Upstream.OnMessage = (i, _) =>
        {
            if (i == 0)
            {
                first.TrySetResult();
            }
        };
        return first.Task;
    }
}
