using System.Text;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

public sealed class IamApiKeySourceTests
{
    [Fact]
    public async Task Fetch_PostsApiKeyGrantForm_ReturnsBearerWithReplyLifetime()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var iam = TokenEndpointStub.Start().Json(200, FakeIam.TokenReply("tok-1", expiresIn: 3600, time), "/identity/token");
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("IamApiKey", iam.Url, files), time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("Bearer tok-1", result.Token.HeaderValue);
        Assert.Equal(time.GetUtcNow().AddSeconds(3600), result.Token.ExpiresAt);
        var request = Assert.Single(iam.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/identity/token", request.Path);
        Assert.Equal("application/x-www-form-urlencoded", request.Header("Content-Type"));
        Assert.Equal("application/json", request.Header("Accept"));
        Assert.Null(request.Header("Authorization"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ibm:params:oauth:grant-type:apikey",
            ["apikey"] = SecretValue,
        }, request.Form());
    }

    [Fact]
    public async Task Fetch_WithScopeAndClientCredentials_SendsScopeAndBasicAuth()
    {
        using var iam = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("IamApiKey", iam.Url, files);
        options.Scope = "ibm openid";
        options.ClientId = "bx";
        options.ClientSecret = "bx-client-secret";
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        var request = Assert.Single(iam.Requests);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bx:bx-client-secret")), request.Header("Authorization"));
        Assert.Equal("ibm openid", request.Form()["scope"]);
        Assert.Equal(SecretValue, request.Form()["apikey"]);
    }

    [Fact]
    public async Task Fetch_ClientSecretFromFile_SendsTrimmedSecretAsBasicAuth()
    {
        using var iam = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("IamApiKey", iam.Url, files);
        options.ClientId = "bx";
        options.ClientSecretFile = files.Write("client-secret", "from-file-secret\n");
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bx:from-file-secret")), Assert.Single(iam.Requests).Header("Authorization"));
    }

    [Theory]
    [InlineData("", "/identity/token")]
    [InlineData("/", "/identity/token")]
    [InlineData("/custom/token", "/custom/token")]
    public async Task Fetch_TokenUrl_BaseUrlGetsIdentityTokenPathFullUrlIsKept(string suffix, string expectedPath)
    {
        // Answers the expected path only: a request elsewhere gets WireMock's 404 and fails the fetch.
        using var iam = TokenEndpointStub.Start().Json(200, FakeIam.TokenReply("tok-1"), expectedPath);
        using var files = new TempDirectory();
        var options = OptionsFor("IamApiKey", iam.Url, files);
        options.TokenUrl = iam.Url + suffix;
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(expectedPath, Assert.Single(iam.Requests).Path);
    }

    [Fact]
    public async Task Fetch_IamRefusesKey_FailureNamesStatusAndErrorCodeWithoutSecret()
    {
        // IAM's real reply to an unknown key; the message is made to echo the key to prove it is scrubbed.
        using var iam = TokenEndpointStub.Start().Json(400, FakeIam.ErrorReply("BXNIM0415E", $"Provided API key could not be found: {SecretValue}"));
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("IamApiKey", iam.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Equal(TokenFailureKind.Failed, result.Failure.Kind);
        Assert.Equal(502, result.Failure.StatusCode);
        Assert.Contains("400", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("BXNIM0415E", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("Provided API key could not be found", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_ReplyWithoutLifetimeButJwt_UsesJwtExpiry()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var jwt = Jwt(time.GetUtcNow().AddMinutes(30), time.GetUtcNow());
        using var iam = TokenEndpointStub.Start().Json(200, new { access_token = jwt });
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("IamApiKey", iam.Url, files), time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(time.GetUtcNow().AddMinutes(30), result.Token.ExpiresAt);
    }
}
