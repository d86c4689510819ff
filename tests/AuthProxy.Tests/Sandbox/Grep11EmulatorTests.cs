using AuthProxy.Sandbox.Grep11;
using AuthProxy.Sandbox.Grep11.Protocol;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Iam;
using AuthProxy.Sandbox.Tokens;
using AuthProxy.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace AuthProxy.Tests.Sandbox;

/// <summary>The GREP11 emulator on its own: a real gRPC service that accepts only live IAM tokens it trusts.</summary>
public sealed class Grep11EmulatorTests : IAsyncLifetime
{
    private const string Instance = SandboxDefaults.KeyProtectInstanceId;

    private readonly FakeTimeProvider _time = new();
    private IamEmulator _iam = null!;
    private Grep11Emulator _grep11 = null!;
    private HttpClient _iamClient = null!;
    private GrpcChannel _channel = null!;

    private Crypto.CryptoClient Client => new(_channel);

    public async Task InitializeAsync()
    {
        using var cts = TestTimeouts.Cts();
        _iam = await IamEmulator.StartAsync(new IamEmulatorOptions { TimeProvider = _time, TokenLifetime = TimeSpan.FromSeconds(60) }, cts.Token);
        _grep11 = await Grep11Emulator.StartAsync(new Grep11EmulatorOptions { TimeProvider = _time, Tokens = _iam.Tokens, StreamInterval = TimeSpan.Zero }, cts.Token);
        _iamClient = SandboxHttp.Client(_iam.Url);
        _channel = GrpcChannel.ForAddress(_grep11.Url);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        _iamClient.Dispose();
        await _grep11.DisposeAsync();
        await _iam.DisposeAsync();
    }

    [Fact]
    public async Task GenerateRandom_WithALiveIamToken_ReturnsTheBytesAskedFor()
    {
        var token = await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);

        var reply = await Client.GenerateRandomAsync(new GenerateRandomRequest { Len = 32 }, Metadata("Bearer " + token));

        Assert.Equal(32, reply.Rnd.Length);
        Assert.Equal(1, _grep11.Counters.ApiRequests);
        Assert.Equal(0, _grep11.Counters.TotalRejections);
    }

    [Fact]
    public async Task GenerateRandomStream_SendsCountReplies()
    {
        var token = await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);

        using var call = Client.GenerateRandomStream(new GenerateRandomStreamRequest { Len = 4, Count = 3 }, Metadata("Bearer " + token));
        var replies = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(3, replies.Count);
        Assert.All(replies, r => Assert.Equal(4, r.Rnd.Length));
    }

    [Theory]
    [InlineData(null, RejectionReason.MissingHeader)]
    [InlineData("Basic abc", RejectionReason.MalformedHeader)]
    [InlineData("Bearer never-issued", RejectionReason.Unknown)]
    public async Task BadCredential_IsUnauthenticated(string? authorization, RejectionReason reason)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.GenerateRandomAsync(new GenerateRandomRequest { Len = 8 }, Metadata(authorization)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal(1, _grep11.Counters.Rejections(reason));
    }

    [Fact]
    public async Task ExpiredRevokedOrOtherInstance_IsUnauthenticated()
    {
        var token = await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);
        var wrongInstance = await Assert.ThrowsAsync<RpcException>(() =>
            Client.GenerateRandomAsync(new GenerateRandomRequest { Len = 8 }, Metadata("Bearer " + token, "another-instance")).ResponseAsync);
        _time.Advance(TimeSpan.FromSeconds(61));
        var expired = await Assert.ThrowsAsync<RpcException>(() =>
            Client.GenerateRandomAsync(new GenerateRandomRequest { Len = 8 }, Metadata("Bearer " + token)).ResponseAsync);
        var fresh = await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);
        _iam.RevokeAll();
        var revoked = await Assert.ThrowsAsync<RpcException>(() =>
            Client.GenerateRandomAsync(new GenerateRandomRequest { Len = 8 }, Metadata("Bearer " + fresh)).ResponseAsync);

        Assert.All([wrongInstance, expired, revoked], e => Assert.Equal(StatusCode.Unauthenticated, e.StatusCode));
        Assert.Equal(1, _grep11.Counters.Rejections(RejectionReason.WrongInstance));
        Assert.Equal(1, _grep11.Counters.Rejections(RejectionReason.Expired));
        Assert.Equal(1, _grep11.Counters.Rejections(RejectionReason.Revoked));
    }

    [Fact]
    public async Task BadLength_IsInvalidArgument()
    {
        var token = await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.GenerateRandomAsync(new GenerateRandomRequest { Len = 0 }, Metadata("Bearer " + token)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    private static CallOptions Metadata(string? authorization, string instance = Instance)
    {
        var headers = new Metadata { { "bluemix-instance", instance } };
        if (authorization is not null)
        {
            headers.Add("authorization", authorization);
        }

        return new CallOptions(headers, DateTime.UtcNow + TestTimeouts.Default);
    }
}
