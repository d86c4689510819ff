using System.Globalization;
using AuthProxy.Http;
using AuthProxy.Tests.Grpc.Protocol;
using AuthProxy.Tests.InboundAuth;
using AuthProxy.Tests.Infrastructure;
using Grpc.Core;

namespace AuthProxy.Tests.Grpc;

/// <summary>
/// docs/protocols.md: when the proxy itself answers a gRPC request it answers as gRPC does (trailers-only, grpc-status by
/// gRPC's HTTP-to-gRPC table, percent-encoded grpc-message, grpc-retry-pushback-ms), so a real gRPC client library
/// reports its own status codes; and the wire format itself.
/// </summary>
public sealed class GrpcAnswerTests(ITestOutputHelper output)
{
    private static CallOptions Deadline() => new(deadline: DateTime.UtcNow + TestTimeouts.Default);

    [Fact]
    public async Task IdpRefusing_GivesUnavailable_NamingTheProvider()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output, idp: FakeIam.Error(400, "BXNIM0415E", "Provided API key could not be found."));
        using var channel = rig.Channel();

        var error = await Assert.ThrowsAsync<RpcException>(() => rig.Client(channel).UnaryAsync(new EchoRequest(), Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("token provider 'kp'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("400", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, rig.Upstream.Calls);
    }

    [Fact]
    public async Task IdpTimingOut_GivesUnavailable()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var rig = await GrpcProxyRig.StartAsync(output, idp: (c, _) => never.Task.WaitAsync(c.RequestAborted), time: time);
        using var channel = rig.Channel();
        var fetch = rig.Iam.NextRequestAsync();

        var pending = rig.Client(channel).UnaryAsync(new EchoRequest(), Deadline()).ResponseAsync;
        await fetch;
        time.Advance(TimeSpan.FromSeconds(10)); // the provider's default Timeout
        var error = await Assert.ThrowsAsync<RpcException>(() => pending.WaitAsync(TestTimeouts.Default));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("'kp'", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProviderBackingOff_GivesUnavailable_WithARetryPushback()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        await using var rig = await GrpcProxyRig.StartAsync(output, idp: FakeIam.Error(500, "BXNIM0001E", "Internal error"), time: time);
        using var channel = rig.Channel();
        var client = rig.Client(channel);
        await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest(), Deadline()).ResponseAsync); // the failed fetch

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest(), Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("token provider 'kp'", error.Status.Detail, StringComparison.Ordinal);
        var pushback = error.Trailers.GetValue("grpc-retry-pushback-ms");
        Assert.NotNull(pushback);
        Assert.InRange(long.Parse(pushback, NumberStyles.None, CultureInfo.InvariantCulture), 1, 60_000);
        Assert.Equal(1, rig.Iam.RequestCount);
    }

    [Fact]
    public async Task InboundRejections_GiveUnauthenticatedAndPermissionDenied()
    {
        var inbound = $$"""
        {
          "Clients": { "billing-app": { "ApiKey": "{{InboundConfigs.BillingKey}}" }, "batch": { "ApiKey": "{{InboundConfigs.BatchKey}}" } },
          "Policies": { "grep11-clients": [ "billing-app" ] }
        }
        """;
        await using var rig = await GrpcProxyRig.StartAsync(output, inboundAuth: inbound, routeExtra: ", \"AuthorizationPolicy\": \"grep11-clients\"");
        using var channel = rig.Channel();
        var client = rig.Client(channel);

        var none = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest(), Deadline()).ResponseAsync);
        var wrong = await Assert.ThrowsAsync<RpcException>(() =>
            client.UnaryAsync(new EchoRequest(), new Metadata { { "x-api-key", "not-a-key" } }, DateTime.UtcNow + TestTimeouts.Default).ResponseAsync);
        var other = await Assert.ThrowsAsync<RpcException>(() =>
            client.UnaryAsync(new EchoRequest(), new Metadata { { "x-api-key", InboundConfigs.BatchKey } }, DateTime.UtcNow + TestTimeouts.Default).ResponseAsync);
        var reply = await client.UnaryAsync(new EchoRequest { Text = "ok" }, new Metadata { { "x-api-key", InboundConfigs.BillingKey } },
            DateTime.UtcNow + TestTimeouts.Default);

        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Contains("X-API-Key", none.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
        Assert.Contains("'batch'", other.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("Bearer tok-1", reply.Authorization);
        var forwarded = Assert.Single(rig.Upstream.Headers);
        Assert.False(forwarded.ContainsKey("x-api-key")); // the inbound credential is removed before forwarding
        Assert.Equal(1, rig.Iam.RequestCount);
        Assert.DoesNotContain(rig.Proxy.Logs, l => l.Contains(InboundConfigs.BatchKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpstreamUnreachable_GivesUnavailable()
    {
        await using var rig = await GrpcProxyRig.StartAsync(output);
        await rig.Upstream.DisposeAsync();
        using var channel = rig.Channel();

        var error = await Assert.ThrowsAsync<RpcException>(() => rig.Client(channel).UnaryAsync(new EchoRequest(), Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("echo", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, 13)]
    [InlineData(401, 16)]
    [InlineData(403, 7)]
    [InlineData(404, 12)]
    [InlineData(429, 14)]
    [InlineData(502, 14)]
    [InlineData(503, 14)]
    [InlineData(504, 14)]
    [InlineData(413, 2)]
    [InlineData(500, 2)]
    public void StatusFor_FollowsGrpcsHttpToGrpcTable(int http, int grpc) => Assert.Equal(grpc, GrpcWire.StatusFor(http));

    [Theory]
    [InlineData("plain text: ok", "plain text: ok")]
    [InlineData("100% sure", "100%25 sure")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("café", "caf%C3%A9")]
    [InlineData("", "")]
    public void EncodeMessage_PercentEncodesAsGrpcAsks(string message, string encoded) => Assert.Equal(encoded, GrpcWire.EncodeMessage(message));

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("Application/GRPC+json", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/grpc-web-text", false)]
    [InlineData("application/json", false)]
    [InlineData("", false)]
    public void IsGrpcContentType(string contentType, bool expected) => Assert.Equal(expected, GrpcWire.IsGrpcContentType(contentType));

    [Fact]
    public async Task ProblemResponse_ToAGrpcRequest_IsTrailersOnly()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/grpc";
        context.Response.Body = new MemoryStream();

        await ProblemResponse.WriteAsync(context, 503, "Token provider 'kp' is temporarily unavailable", "No credential: 100% backing off.",
            TimeSpan.FromMilliseconds(1500.2), "kp");

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("application/grpc", context.Response.ContentType);
        Assert.Equal("14", context.Response.Headers["grpc-status"]);
        Assert.Equal("No credential: 100%25 backing off.", context.Response.Headers["grpc-message"]);
        Assert.Equal("1501", context.Response.Headers["grpc-retry-pushback-ms"]);
        Assert.Equal(0, context.Response.Body.Length);
    }

    [Fact]
    public async Task ProblemResponse_ToAnHttpRequest_IsStillProblemJson()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Response.Body = new MemoryStream();

        await ProblemResponse.WriteAsync(context, 503, "t", "d", TimeSpan.FromSeconds(2));

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal("2", context.Response.Headers.RetryAfter);
        Assert.False(context.Response.Headers.ContainsKey("grpc-status"));
    }
}
