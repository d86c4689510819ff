using System.Net;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Iam;
using AuthProxy.Sandbox.KeyProtect;
using AuthProxy.Sandbox.Tokens;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Sandbox;

public sealed class KeyProtectEmulatorTests : IAsyncLifetime
{
    private const string Instance = SandboxDefaults.KeyProtectInstanceId;

    private readonly FakeTimeProvider _time = new();
    private IamEmulator _iam = null!;
    private KeyProtectEmulator _kp = null!;
    private HttpClient _iamClient = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        using var cts = TestTimeouts.Cts();
        _iam = await IamEmulator.StartAsync(new IamEmulatorOptions { TimeProvider = _time, TokenLifetime = TimeSpan.FromSeconds(60) }, cts.Token);
        _kp = await KeyProtectEmulator.StartAsync(new KeyProtectEmulatorOptions { TimeProvider = _time, Tokens = _iam.Tokens }, cts.Token);
        _iamClient = SandboxHttp.Client(_iam.Url);
        _client = SandboxHttp.Client(_kp.Url);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _iamClient.Dispose();
        await _kp.DisposeAsync();
        await _iam.DisposeAsync();
    }

    [Fact]
    public async Task ListKeys_ValidIamToken_ReturnsKeyCollection()
    {
        var token = await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);

        var response = await _client.SendAsync(HttpMethod.Get, KeyProtectEmulator.KeysPath, "Bearer " + token, null, ("bluemix-instance", Instance));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("application/vnd.ibm.kms.key+json", (string?)body["metadata"]?["collectionType"]);
        Assert.Equal(2, (int)body["metadata"]!["collectionTotal"]!);
        var resources = Assert.IsType<JsonArray>(body["resources"]);
        Assert.Equal(2, resources.Count);
        Assert.All(resources, r =>
        {
            Assert.Equal("application/vnd.ibm.kms.key+json", (string?)r!["type"]);
            Assert.False(string.IsNullOrEmpty((string?)r["id"]));
            Assert.False(string.IsNullOrEmpty((string?)r["name"]));
            Assert.False((bool)r["extractable"]!);
        });
        Assert.Contains("\"application/vnd.ibm.kms.key+json\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, _kp.Counters.ApiRequests);
        Assert.Equal(0, _kp.Counters.TotalRejections);
    }

    [Fact]
    public async Task CreateKey_ThenGetById_ReturnsCreatedKey()
    {
        var auth = "Bearer " + await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);
        var request = new
        {
            metadata = new { collectionType = "application/vnd.ibm.kms.key+json", collectionTotal = 1 },
            resources = new[] { new { type = "application/vnd.ibm.kms.key+json", name = "payroll-key", extractable = true } },
        };

        var created = await _client.SendAsync(HttpMethod.Post, KeyProtectEmulator.KeysPath, auth, request, ("bluemix-instance", Instance));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (await created.JsonAsync())["resources"]![0]!;
        Assert.Equal("payroll-key", (string?)key["name"]);
        Assert.True((bool)key["extractable"]!);
        var id = (string)key["id"]!;
        Assert.Contains(_kp.Keys, k => k.Id == id && k.Name == "payroll-key");

        var fetched = await _client.SendAsync(HttpMethod.Get, $"{KeyProtectEmulator.KeysPath}/{id}", auth, null, ("bluemix-instance", Instance));
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal("payroll-key", (string?)(await fetched.JsonAsync())["resources"]![0]!["name"]);

        var missing = await _client.SendAsync(HttpMethod.Get, $"{KeyProtectEmulator.KeysPath}/{Guid.NewGuid()}", auth, null, ("bluemix-instance", Instance));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task CreateKey_NoName_Returns400ErrorCollection()
    {
        var auth = "Bearer " + await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);

        var response = await _client.SendAsync(HttpMethod.Post, KeyProtectEmulator.KeysPath, auth, new { resources = new[] { new { type = "application/vnd.ibm.kms.key+json" } } },
            ("bluemix-instance", Instance));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/vnd.ibm.kms.error+json", (string?)(await response.JsonAsync())["metadata"]?["collectionType"]);
        Assert.Equal(2, _kp.Keys.Count);
    }

    [Fact]
    public async Task Request_NoAuthorization_Returns401MissingHeader()
    {
        var response = await _client.SendAsync(HttpMethod.Get, KeyProtectEmulator.KeysPath, null, null, ("bluemix-instance", Instance));

        await AssertUnauthorizedAsync(response);
        Assert.Equal(1, _kp.Counters.Rejections(RejectionReason.MissingHeader));
    }

    [Theory]
    [InlineData("Bearer not-a-token", RejectionReason.Unknown)]
    [InlineData("Basic dXNlcjpwYXNz", RejectionReason.MalformedHeader)]
    public async Task Request_BadCredential_Returns401(string authorization, RejectionReason reason)
    {
        var response = await _client.SendAsync(HttpMethod.Get, KeyProtectEmulator.KeysPath, authorization, null, ("bluemix-instance", Instance));

        await AssertUnauthorizedAsync(response);
        Assert.Equal(1, _kp.Counters.Rejections(reason));
    }

    [Fact]
    public async Task Request_TokenOfAnotherIssuer_Returns401Unknown()
    {
        var now = _time.GetUtcNow();
        _iam.Tokens.Add("cpd-style-token", "cpd", "admin", now, now.AddHours(1));

        var response = await _client.SendAsync(HttpMethod.Get, KeyProtectEmulator.KeysPath, "Bearer cpd-style-token", null, ("bluemix-instance", Instance));

        await AssertUnauthorizedAsync(response);
        Assert.Equal(1, _kp.Counters.Rejections(RejectionReason.Unknown));
    }

    [Theory]
    [InlineData(54, HttpStatusCode.OK, null)] // 6 s left
    [InlineData(55, HttpStatusCode.OK, null)] // exactly 5 s left: still accepted
    [InlineData(56, HttpStatusCode.Unauthorized, RejectionReason.NearExpiry)] // 4 s left
    [InlineData(60, HttpStatusCode.Unauthorized, RejectionReason.Expired)]
    [InlineData(3600, HttpStatusCode.Unauthorized, RejectionReason.Expired)]
    public async Task Request_AsTokenAges_RejectsInsideLastFiveSecondsAndAfterExpiry(int ageSeconds, HttpStatusCode expected, RejectionReason? reason)
    {
        var token = await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);
        _time.Advance(TimeSpan.FromSeconds(ageSeconds));

        var response = await _client.SendAsync(HttpMethod.Get, KeyProtectEmulator.KeysPath, "Bearer " + token, null, ("bluemix-instance", Instance));

        Assert.Equal(expected, response.StatusCode);
        if (reason is { } r)
        {
            Assert.Equal(1, _kp.Counters.Rejections(r));
            Assert.Equal(1, _kp.Counters.TotalRejections);
        }
        else
        {
            Assert.Equal(0, _kp.Counters.TotalRejections);
        }
    }

    [Fact]
    public async Task RevokeAll_TokensIssuedBefore_Rejected_NewTokensAccepted()
    {
        var old = await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);
        Assert.Equal(1, _kp.RevokeAll());

        var rejected = await _client.SendAsync(HttpMethod.Get, KeyProtectEmulator.KeysPath, "Bearer " + old, null, ("bluemix-instance", Instance));
        var fresh = await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);
        var accepted = await _client.SendAsync(HttpMethod.Get, KeyProtectEmulator.KeysPath, "Bearer " + fresh, null, ("bluemix-instance", Instance));

        await AssertUnauthorizedAsync(rejected);
        Assert.Equal(1, _kp.Counters.Rejections(RejectionReason.Revoked));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Request_BluemixInstanceMissingOrWrong_Refused()
    {
        var auth = "Bearer " + await _iamClient.IamTokenAsync(SandboxDefaults.ApiKey);

        var missing = await _client.SendAsync(HttpMethod.Get, KeyProtectEmulator.KeysPath, auth);
        var wrong = await _client.SendAsync(HttpMethod.Get, KeyProtectEmulator.KeysPath, auth, null, ("bluemix-instance", Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("application/vnd.ibm.kms.error+json", (string?)(await missing.JsonAsync())["metadata"]?["collectionType"]);
        Assert.Equal(1, _kp.Counters.Rejections(RejectionReason.MissingInstance));
        await AssertUnauthorizedAsync(wrong);
        Assert.Equal(1, _kp.Counters.Rejections(RejectionReason.WrongInstance));
    }

    [Fact]
    public async Task BeforeApi_InjectsFailure_CountedAsInjected()
    {
        _kp.BeforeApi = async context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("down");
            return true;
        };

        var response = await _client.SendAsync(HttpMethod.Get, KeyProtectEmulator.KeysPath, null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, _kp.Counters.InjectedFailures);
        Assert.Equal(0, _kp.Counters.TotalRejections);
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("application/vnd.ibm.kms.error+json", (string?)body["metadata"]?["collectionType"]);
        Assert.Equal(1, (int)body["metadata"]!["collectionTotal"]!);
        Assert.Equal("Unauthorized: The user does not have access to the specified resource", (string?)body["resources"]![0]!["errorMsg"]);
    }
}
