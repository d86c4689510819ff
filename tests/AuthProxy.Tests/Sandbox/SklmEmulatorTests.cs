using System.Net;
using System.Net.Http.Json;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Sklm;
using AuthProxy.Sandbox.Tokens;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Sandbox;

public sealed class SklmEmulatorTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private SklmEmulator _sklm = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        using var cts = TestTimeouts.Cts();
        _sklm = await SklmEmulator.StartAsync(new SklmEmulatorOptions { TimeProvider = _time }, cts.Token);
        _client = SandboxHttp.Client(_sklm.Url);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _sklm.DisposeAsync();
    }

    [Fact]
    public async Task Login_ValidUser_ReturnsUserAuthIdAcceptedByApis()
    {
        var response = await _client.SendAsync(HttpMethod.Post, SklmEmulator.LoginPath, null,
            new { userid = SandboxDefaults.SklmUserId, password = SandboxDefaults.SklmPassword });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.JsonAsync();
        var id = (string)reply["userAuthId"]!;
        Assert.True(Guid.TryParse(id, out _));
        Assert.Single(reply);

        var objects = await _client.SendAsync(HttpMethod.Get, SklmEmulator.ObjectsPath, "SKLMAuth userAuthId=" + id);
        var keys = await _client.SendAsync(HttpMethod.Get, SklmEmulator.KeysPath, "SKLMAuth userAuthId=" + id);
        Assert.Equal(HttpStatusCode.OK, objects.StatusCode);
        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
        Assert.NotEmpty(await keys.JsonArrayAsync());
        Assert.Equal(1, _sklm.Counters.TokenRequests(SklmEmulator.LoginPath));
        Assert.Equal(2, _sklm.Counters.ApiRequests);
    }

    [Fact]
    public async Task AccessToken_GetWithJsonBody_ReturnsCapitalisedUserAuthId()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, SklmEmulator.AccessTokenPath)
        {
            Content = JsonContent.Create(new { userid = SandboxDefaults.SklmUserId, password = SandboxDefaults.SklmPassword }),
        };

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.JsonAsync();
        Assert.Null(reply["userAuthId"]);
        var id = (string)reply["UserAuthId"]!;
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(HttpMethod.Get, SklmEmulator.KeysPath, "SKLMAuth userAuthId=" + id)).StatusCode);
        Assert.Equal(1, _sklm.Counters.TokenRequests(SklmEmulator.AccessTokenPath));
    }

    [Fact]
    public async Task Login_BadPassword_Returns401Ctgkm6003e()
    {
        var response = await _client.SendAsync(HttpMethod.Post, SklmEmulator.LoginPath, null, new { userid = SandboxDefaults.SklmUserId, password = "wrong" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var reply = await response.JsonAsync();
        Assert.Equal("CTGKM6003E", (string?)reply["code"]);
        Assert.StartsWith("CTGKM6003E Login failed.", (string?)reply["message"]);
        Assert.Equal(1, _sklm.Counters.Rejections(RejectionReason.BadCredentials));
    }

    [Fact]
    public async Task UserAuthId_EachUseRestartsIdleClock_DiesAfterIdleTimeout()
    {
        var auth = "SKLMAuth userAuthId=" + await LoginAsync();

        _time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(HttpMethod.Get, SklmEmulator.KeysPath, auth)).StatusCode);
        _time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(HttpMethod.Get, SklmEmulator.KeysPath, auth)).StatusCode);
        _time.Advance(TimeSpan.FromMinutes(30));
        var expired = await _client.SendAsync(HttpMethod.Get, SklmEmulator.KeysPath, auth);

        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal("CTGKM6004E", (string?)(await expired.JsonAsync())["code"]);
        Assert.Equal(1, _sklm.Counters.Rejections(RejectionReason.Expired));
    }

    [Fact]
    public async Task IdleTimeout_Knob_AppliesToNewSessions()
    {
        _sklm.IdleTimeout = TimeSpan.FromSeconds(30);
        var auth = "SKLMAuth userAuthId=" + await LoginAsync();

        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(HttpMethod.Get, SklmEmulator.ObjectsPath, auth)).StatusCode);
        Assert.Equal(1, _sklm.Counters.Rejections(RejectionReason.Expired));
    }

    [Theory]
    [InlineData(null, RejectionReason.MissingHeader)]
    [InlineData("SKLMAuth userAuthId=00000000-0000-0000-0000-000000000000", RejectionReason.Unknown)]
    [InlineData("SKLMAuth userAuthId=", RejectionReason.MalformedHeader)]
    [InlineData("Bearer abc", RejectionReason.MalformedHeader)]
    public async Task Api_BadAuthorization_Returns401Ctgkm6004e(string? authorization, RejectionReason reason)
    {
        var response = await _client.SendAsync(HttpMethod.Get, SklmEmulator.ObjectsPath, authorization);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("CTGKM6004E", (string?)(await response.JsonAsync())["code"]);
        Assert.Equal(1, _sklm.Counters.Rejections(reason));
    }

    [Fact]
    public async Task Api_HeaderNotExactlySklmAuth_Rejected()
    {
        var id = await LoginAsync();

        var lowercase = await _client.SendAsync(HttpMethod.Get, SklmEmulator.ObjectsPath, "sklmauth userAuthId=" + id);
        var bare = await _client.SendAsync(HttpMethod.Get, SklmEmulator.ObjectsPath, "SKLMAuth " + id);

        Assert.Equal(HttpStatusCode.Unauthorized, lowercase.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
        Assert.Equal(2, _sklm.Counters.Rejections(RejectionReason.MalformedHeader));
    }

    [Fact]
    public async Task RevokeAll_EndsExistingSessions()
    {
        var auth = "SKLMAuth userAuthId=" + await LoginAsync();
        _sklm.RevokeAll();

        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(HttpMethod.Get, SklmEmulator.ObjectsPath, auth)).StatusCode);
        Assert.Equal(1, _sklm.Counters.Rejections(RejectionReason.Revoked));
        var fresh = "SKLMAuth userAuthId=" + await LoginAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(HttpMethod.Get, SklmEmulator.ObjectsPath, fresh)).StatusCode);
    }

    private async Task<string> LoginAsync()
    {
        var response = await _client.SendAsync(HttpMethod.Post, SklmEmulator.LoginPath, null,
            new { userid = SandboxDefaults.SklmUserId, password = SandboxDefaults.SklmPassword });
        response.EnsureSuccessStatusCode();
        return (string)(await response.JsonAsync())["userAuthId"]!;
    }
}
