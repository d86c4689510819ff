using System.Net;
using System.Text;
using AuthProxy.Sandbox.CloudPak;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Tokens;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Sandbox;

public sealed class CloudPakEmulatorTests : IAsyncLifetime
{
    private const string Deployments = CloudPakEmulator.DeploymentsPath + "?version=2024-05-01";
    private const string Generation = CloudPakEmulator.TextGenerationPath + "?version=2024-05-01";

    private readonly FakeTimeProvider _time = new();
    private CloudPakEmulator _cpd = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        using var cts = TestTimeouts.Cts();
        _cpd = await CloudPakEmulator.StartAsync(new CloudPakEmulatorOptions { TimeProvider = _time, TokenLifetime = TimeSpan.FromMinutes(20) }, cts.Token);
        _client = SandboxHttp.Client(_cpd.Url);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _cpd.DisposeAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Authorize_ApiKeyOrPassword_ReturnsJwtAcceptedByApi(bool useApiKey)
    {
        object body = useApiKey
            ? new { username = SandboxDefaults.CloudPakUsername, api_key = SandboxDefaults.CloudPakApiKey }
            : new { username = SandboxDefaults.CloudPakUsername, password = SandboxDefaults.CloudPakPassword };

        var response = await _client.SendAsync(HttpMethod.Post, CloudPakEmulator.AuthorizePath, null, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.JsonAsync();
        Assert.Equal("200", (string?)reply["_messageCode_"]);
        Assert.Equal("Success", (string?)reply["message"]);
        Assert.Null(reply["expires_in"]);
        var token = (string)reply["token"]!;
        var payload = FakeJwt.ReadPayload(token)!;
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), (long)payload["iat"]!);
        Assert.Equal(_time.GetUtcNow().AddMinutes(20).ToUnixTimeSeconds(), (long)payload["exp"]!);
        Assert.Equal(SandboxDefaults.CloudPakUsername, (string?)payload["username"]);

        var api = await _client.SendAsync(HttpMethod.Get, Deployments, "Bearer " + token);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(1, (int)(await api.JsonAsync())["total_count"]!);
        Assert.Equal(1, _cpd.Counters.TokenRequests(CloudPakEmulator.AuthorizePath));
        Assert.Equal(1, _cpd.Counters.ApiRequests);
    }

    [Theory]
    [InlineData("admin", null, "wrong-key")]
    [InlineData("admin", "wrong-password", null)]
    [InlineData("nobody", "sandbox-password", null)]
    public async Task Authorize_BadCredentials_Returns401MessageCode(string username, string? password, string? apiKey)
    {
        var response = await _client.SendAsync(HttpMethod.Post, CloudPakEmulator.AuthorizePath, null, new { username, password, api_key = apiKey });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var reply = await response.JsonAsync();
        Assert.Equal("401", (string?)reply["_messageCode_"]);
        Assert.Equal("Invalid user name or password", (string?)reply["message"]);
        Assert.Equal(1, _cpd.Counters.Rejections(RejectionReason.BadCredentials));
    }

    [Fact]
    public async Task IdentityTokenThenValidateAuth_ReturnsAccessTokenAcceptedByApi()
    {
        var identity = await _client.PostFormAsync(CloudPakEmulator.IdentityTokenPath, ("grant_type", "password"),
            ("username", SandboxDefaults.CloudPakUsername), ("password", SandboxDefaults.CloudPakPassword), ("scope", "openid"));
        Assert.Equal(HttpStatusCode.OK, identity.StatusCode);
        var iamToken = (string)(await identity.JsonAsync())["access_token"]!;

        var validate = await _client.SendAsync(HttpMethod.Get, CloudPakEmulator.ValidateAuthPath, null, null,
            ("username", SandboxDefaults.CloudPakUsername), ("iam-token", iamToken));

        Assert.Equal(HttpStatusCode.OK, validate.StatusCode);
        var reply = await validate.JsonAsync();
        Assert.Equal(SandboxDefaults.CloudPakUsername, (string?)reply["username"]);
        Assert.Equal("Admin", (string?)reply["role"]);
        var accessToken = (string)reply["accessToken"]!;
        Assert.NotNull(FakeJwt.ReadPayload(accessToken)?["exp"]);

        var generated = await _client.SendAsync(HttpMethod.Post, Generation, "Bearer " + accessToken, new { model_id = "ibm/granite-13b-instruct-v2", input = "hello there" });
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        Assert.Equal("Sandbox says: hello there", (string?)(await generated.JsonAsync())["results"]![0]!["generated_text"]);

        // The identity provider's token is for validateAuth only, not for the API.
        var direct = await _client.SendAsync(HttpMethod.Get, Deployments, "Bearer " + iamToken);
        Assert.Equal(HttpStatusCode.Unauthorized, direct.StatusCode);
        Assert.Equal(1, _cpd.Counters.Rejections(RejectionReason.Unknown));
        Assert.Equal(1, _cpd.Counters.TokenRequests(CloudPakEmulator.IdentityTokenPath));
        Assert.Equal(1, _cpd.Counters.TokenRequests(CloudPakEmulator.ValidateAuthPath));
    }

    [Fact]
    public async Task ValidateAuth_MissingHeadersOrOtherUser_Returns401()
    {
        var identity = await _client.PostFormAsync(CloudPakEmulator.IdentityTokenPath, ("grant_type", "password"),
            ("username", SandboxDefaults.CloudPakUsername), ("password", SandboxDefaults.CloudPakPassword), ("scope", "openid"));
        var iamToken = (string)(await identity.JsonAsync())["access_token"]!;

        var missing = await _client.SendAsync(HttpMethod.Get, CloudPakEmulator.ValidateAuthPath, null, null, ("username", SandboxDefaults.CloudPakUsername));
        var otherUser = await _client.SendAsync(HttpMethod.Get, CloudPakEmulator.ValidateAuthPath, null, null, ("username", "someone"), ("iam-token", iamToken));

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherUser.StatusCode);
        Assert.Equal(1, _cpd.Counters.Rejections(RejectionReason.MissingHeader));
        Assert.Equal(1, _cpd.Counters.Rejections(RejectionReason.BadCredentials));
    }

    [Fact]
    public async Task IdentityToken_WrongPassword_Returns401()
    {
        var response = await _client.PostFormAsync(CloudPakEmulator.IdentityTokenPath, ("grant_type", "password"),
            ("username", SandboxDefaults.CloudPakUsername), ("password", "nope"), ("scope", "openid"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, _cpd.Counters.TokensIssued);
    }

    [Fact]
    public async Task Signin_ReturnsSuccessTokenAcceptedByApi()
    {
        var response = await _client.SendAsync(HttpMethod.Post, CloudPakEmulator.SigninPath, null,
            new { username = SandboxDefaults.CloudPakUsername, password = SandboxDefaults.CloudPakPassword });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.JsonAsync();
        Assert.Equal("success", (string?)reply["_messageCode_"]);
        var token = (string)reply["token"]!;
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(HttpMethod.Get, Deployments, "Bearer " + token)).StatusCode);

        var refused = await _client.SendAsync(HttpMethod.Post, CloudPakEmulator.SigninPath, null, new { username = SandboxDefaults.CloudPakUsername, password = "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("401", (string?)(await refused.JsonAsync())["_messageCode_"]);
    }

    [Fact]
    public async Task ZenApiKey_ConfiguredUserAndKey_Accepted_OtherwiseRejected()
    {
        var good = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SandboxDefaults.CloudPakUsername}:{SandboxDefaults.CloudPakApiKey}"));
        var bad = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SandboxDefaults.CloudPakUsername}:wrong"));

        var accepted = await _client.SendAsync(HttpMethod.Get, Deployments, "ZenApiKey " + good);
        var rejected = await _client.SendAsync(HttpMethod.Get, Deployments, "ZenApiKey " + bad);
        var malformed = await _client.SendAsync(HttpMethod.Get, Deployments, "ZenApiKey %%%");

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, malformed.StatusCode);
        Assert.Equal(1, _cpd.Counters.Rejections(RejectionReason.BadCredentials));
        Assert.Equal(1, _cpd.Counters.Rejections(RejectionReason.MalformedHeader));
        Assert.Equal(0, _cpd.Counters.TokensIssued);
    }

    [Theory]
    [InlineData(1194, HttpStatusCode.OK, null)]
    [InlineData(1196, HttpStatusCode.Unauthorized, RejectionReason.NearExpiry)]
    [InlineData(1200, HttpStatusCode.Unauthorized, RejectionReason.Expired)]
    public async Task Api_AsJwtAges_RejectsNearExpiryAndExpired(int ageSeconds, HttpStatusCode expected, RejectionReason? reason)
    {
        var token = await SigninAsync();
        _time.Advance(TimeSpan.FromSeconds(ageSeconds));

        var response = await _client.SendAsync(HttpMethod.Get, Deployments, "Bearer " + token);

        Assert.Equal(expected, response.StatusCode);
        if (reason is { } r)
        {
            Assert.Equal("authentication_token_not_valid", (string?)(await response.JsonAsync())["errors"]![0]!["code"]);
            Assert.Equal(1, _cpd.Counters.Rejections(r));
        }
    }

    [Fact]
    public async Task RevokeAll_JwtRejected_ZenApiKeyStillAccepted()
    {
        var token = await SigninAsync();
        _cpd.RevokeAll();
        var zen = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SandboxDefaults.CloudPakUsername}:{SandboxDefaults.CloudPakApiKey}"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(HttpMethod.Get, Deployments, "Bearer " + token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(HttpMethod.Get, Deployments, "ZenApiKey " + zen)).StatusCode);
        Assert.Equal(1, _cpd.Counters.Rejections(RejectionReason.Revoked));
    }

    [Fact]
    public async Task Api_NoAuthorizationOrNoVersion_Refused()
    {
        var token = await SigninAsync();

        var anonymous = await _client.SendAsync(HttpMethod.Get, Deployments, null);
        var noVersion = await _client.SendAsync(HttpMethod.Get, CloudPakEmulator.DeploymentsPath, "Bearer " + token);
        var noInput = await _client.SendAsync(HttpMethod.Post, Generation, "Bearer " + token, new { model_id = "m" });

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(1, _cpd.Counters.Rejections(RejectionReason.MissingHeader));
        Assert.Equal(HttpStatusCode.BadRequest, noVersion.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noInput.StatusCode);
        Assert.Equal(2, _cpd.Counters.Rejections(RejectionReason.BadRequest));
    }

    private async Task<string> SigninAsync()
    {
        var response = await _client.SendAsync(HttpMethod.Post, CloudPakEmulator.SigninPath, null,
            new { username = SandboxDefaults.CloudPakUsername, password = SandboxDefaults.CloudPakPassword });
        response.EnsureSuccessStatusCode();
        return (string)(await response.JsonAsync())["token"]!;
    }
}
