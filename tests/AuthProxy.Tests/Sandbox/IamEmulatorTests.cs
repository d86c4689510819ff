using System.Net;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Iam;
using AuthProxy.Sandbox.Tokens;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Sandbox;

public sealed class IamEmulatorTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task ApiKeyGrant_KnownKey_IssuesJwtShapedTokenWithIamReplyFields()
    {
        await using var iam = await StartAsync(new IamEmulatorOptions { TokenLifetime = TimeSpan.FromSeconds(1200) });
        using var client = SandboxHttp.Client(iam.Url);

        var response = await client.PostFormAsync(IamEmulator.TokenPath, ("grant_type", IamEmulator.ApiKeyGrant), ("apikey", SandboxDefaults.ApiKey));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal("Bearer", (string?)body["token_type"]);
        Assert.Equal("not_supported", (string?)body["refresh_token"]);
        Assert.Equal("ibm openid", (string?)body["scope"]);
        Assert.Equal(1200, (long)body["expires_in"]!);
        Assert.Equal(now + 1200, (long)body["expiration"]!);

        var token = (string)body["access_token"]!;
        var payload = FakeJwt.ReadPayload(token);
        Assert.NotNull(payload);
        Assert.Equal(now, (long)payload["iat"]!);
        Assert.Equal(now + 1200, (long)payload["exp"]!);
        Assert.StartsWith("iam-ServiceId-", (string?)payload["iam_id"]);
        Assert.DoesNotContain(SandboxDefaults.ApiKey, token, StringComparison.Ordinal);

        Assert.True(iam.Tokens.TryGet(token, out var issued));
        Assert.Equal(IamEmulator.Issuer, issued.Issuer);
        Assert.Equal(_time.GetUtcNow().AddSeconds(1200), issued.ExpiresAt);
        Assert.Equal(1, iam.Counters.TokenRequests(IamEmulator.TokenPath));
        Assert.Equal(1, iam.Counters.TokensIssued);
    }

    [Fact]
    public async Task ApiKeyGrant_TwoRequests_IssueDistinctTokens()
    {
        await using var iam = await StartAsync();
        using var client = SandboxHttp.Client(iam.Url);

        var first = await client.IamTokenAsync(SandboxDefaults.ApiKey);
        var second = await client.IamTokenAsync(SandboxDefaults.ApiKey);

        Assert.NotEqual(first, second);
        Assert.Equal(2, iam.Tokens.Count);
    }

    [Fact]
    public async Task ApiKeyGrant_UnknownKey_Returns400WithIamErrorShape()
    {
        await using var iam = await StartAsync();
        using var client = SandboxHttp.Client(iam.Url);

        var response = await client.PostFormAsync(IamEmulator.TokenPath, ("grant_type", IamEmulator.ApiKeyGrant), ("apikey", "not-a-key"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("BXNIM0415E", (string?)body["errorCode"]);
        Assert.Equal("Provided API key could not be found.", (string?)body["errorMessage"]);
        Assert.NotNull(body["context"]?["requestId"]);
        Assert.Equal(1, iam.Counters.Rejections(RejectionReason.BadCredentials));
        Assert.Equal(0, iam.Tokens.Count);
    }

    [Theory]
    [InlineData("", "BXNIM0109E")]
    [InlineData("grant_type=password&username=a&password=b", "BXNIM0103E")]
    [InlineData("grant_type=urn:ibm:params:oauth:grant-type:apikey", "BXNIM0109E")]
    public async Task TokenRequest_Malformed_Returns400(string form, string code)
    {
        await using var iam = await StartAsync();
        using var client = SandboxHttp.Client(iam.Url);

        var response = await client.PostAsync(IamEmulator.TokenPath, new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (string?)(await response.JsonAsync())["errorCode"]);
        Assert.Equal(1, iam.Counters.Rejections(RejectionReason.BadRequest));
    }

    [Theory]
    [InlineData("profile_id", SandboxDefaults.TrustedProfileId)]
    [InlineData("profile_name", SandboxDefaults.TrustedProfileName)]
    public async Task CrTokenGrant_TrustedProfile_IssuesProfileToken(string field, string profile)
    {
        await using var iam = await StartAsync();
        using var client = SandboxHttp.Client(iam.Url);

        var response = await client.PostFormAsync(IamEmulator.TokenPath, ("grant_type", IamEmulator.CrTokenGrant), ("cr_token", "k8s-sa-token"), (field, profile));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var payload = FakeJwt.ReadPayload((string)(await response.JsonAsync())["access_token"]!);
        Assert.Equal("Profile", (string?)payload?["sub_type"]);
        Assert.StartsWith("iam-Profile-", (string?)payload?["iam_id"]);
    }

    [Fact]
    public async Task CrTokenGrant_UnknownProfileOrCrToken_Returns400()
    {
        await using var iam = await StartAsync(new IamEmulatorOptions { ComputeResourceTokens = ["good-cr-token"] });
        using var client = SandboxHttp.Client(iam.Url);

        var unknownProfile = await client.PostFormAsync(IamEmulator.TokenPath,
            ("grant_type", IamEmulator.CrTokenGrant), ("cr_token", "good-cr-token"), ("profile_id", "Profile-unknown"));
        var badCrToken = await client.PostFormAsync(IamEmulator.TokenPath,
            ("grant_type", IamEmulator.CrTokenGrant), ("cr_token", "bad"), ("profile_name", SandboxDefaults.TrustedProfileName));

        Assert.Equal(HttpStatusCode.BadRequest, unknownProfile.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badCrToken.StatusCode);
        Assert.Equal(2, iam.Counters.Rejections(RejectionReason.BadCredentials));
    }

    [Fact]
    public async Task BeforeToken_AnswersRequest_NoTokenIssued()
    {
        await using var iam = await StartAsync();
        iam.BeforeToken = async context =>
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "7";
            await context.Response.WriteAsync("slow down");
            return true;
        };
        using var client = SandboxHttp.Client(iam.Url);

        var response = await client.PostFormAsync(IamEmulator.TokenPath, ("grant_type", IamEmulator.ApiKeyGrant), ("apikey", SandboxDefaults.ApiKey));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("7", response.Headers.RetryAfter?.ToString());
        Assert.Equal(1, iam.Counters.InjectedFailures);
        Assert.Equal(1, iam.Counters.TokenRequests(IamEmulator.TokenPath));
        Assert.Equal(0, iam.Counters.TokensIssued);

        iam.BeforeToken = null;
        await client.IamTokenAsync(SandboxDefaults.ApiKey);
        Assert.Equal(1, iam.Counters.TokensIssued);
    }

    [Fact]
    public async Task BeforeToken_Hanging_IsReleasedWhenEmulatorStops()
    {
        var iam = await StartAsync();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        iam.BeforeToken = async context =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
            return true;
        };
        using var client = SandboxHttp.Client(iam.Url);
        var pending = client.PostFormAsync(IamEmulator.TokenPath, ("grant_type", IamEmulator.ApiKeyGrant), ("apikey", SandboxDefaults.ApiKey));
        await entered.Task.WaitAsync(TestTimeouts.Default);

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await iam.DisposeAsync().AsTask().WaitAsync(TestTimeouts.Default);

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopwatch.Elapsed}");
        try
        {
            // Released: Kestrel answers 500 for the cancelled request, or resets the connection.
            using var response = await pending.WaitAsync(TestTimeouts.Default);
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }
        catch (HttpRequestException)
        {
        }
    }

    private async Task<IamEmulator> StartAsync(IamEmulatorOptions? options = null)
    {
        options ??= new IamEmulatorOptions();
        options.TimeProvider = _time;
        using var cts = TestTimeouts.Cts();
        return await IamEmulator.StartAsync(options, cts.Token);
    }
}
