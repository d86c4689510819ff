using AuthProxy.Tests.Infrastructure;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

public sealed class Cp4dIdentitySourceTests
{
    private const string IamToken = "iam-access-token-from-idprovider";
    private const string IdentityTokenPath = "/idprovider/v1/auth/identitytoken";
    private const string ValidateAuthPath = "/v1/preauth/validateAuth";

    [Theory]
    [InlineData("token")]
    [InlineData("accessToken")]
    [InlineData("AccessToken")]
    public async Task Fetch_ExchangesPasswordForIamTokenThenValidatesAuth_ReturnsBearerPlatformToken(string field)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var jwt = Jwt(time.GetUtcNow().AddHours(2), time.GetUtcNow());
        using var cpd = TokenEndpointStub.Start()
            .Json(200, new { access_token = IamToken, token_type = "Bearer", expires_in = 43200 }, IdentityTokenPath)
            .Json(200, new Dictionary<string, string> { [field] = jwt, ["username"] = "admin" }, ValidateAuthPath);
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("Cp4dIdentity", cpd.Url, files), time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("Bearer " + jwt, result.Token.HeaderValue);
        Assert.Equal(time.GetUtcNow().AddHours(2), result.Token.ExpiresAt);
        var requests = cpd.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal("POST", requests[0].Method);
        Assert.Equal("/idprovider/v1/auth/identitytoken", requests[0].Path);
        Assert.Equal("application/x-www-form-urlencoded", requests[0].Header("Content-Type"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["username"] = "admin",
            ["password"] = SecretValue,
            ["scope"] = "openid",
        }, requests[0].Form());
        Assert.Equal("GET", requests[1].Method);
        Assert.Equal("/v1/preauth/validateAuth", requests[1].Path);
        Assert.Equal("admin", requests[1].Header("username"));
        Assert.Equal(IamToken, requests[1].Header("iam-token"));
        Assert.Empty(requests[1].BodyBytes());
    }

    [Fact]
    public async Task Fetch_IdentityUrlSet_GetsIamTokenThereAndValidatesAtUrl()
    {
        using var identity = TokenEndpointStub.Start().Json(200, new { access_token = IamToken }, IdentityTokenPath);
        using var cpd = TokenEndpointStub.Start().Json(200, new { accessToken = "platform-token" }, ValidateAuthPath);
        using var files = new TempDirectory();
        var options = OptionsFor("Cp4dIdentity", cpd.Url, files);
        options.IdentityUrl = identity.Url + "/";
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("Bearer platform-token", result.Token.HeaderValue);
        Assert.Equal("/idprovider/v1/auth/identitytoken", Assert.Single(identity.Requests).Path);
        Assert.Equal("/v1/preauth/validateAuth", Assert.Single(cpd.Requests).Path);
    }

    [Fact]
    public async Task Fetch_IdentityProviderRefuses_FailureNamesStepAndErrorWithoutSecret_NoValidateAuth()
    {
        using var cpd = TokenEndpointStub.Start().Json(401,
            new { error = "invalid_grant", error_description = $"password {SecretValue} is wrong" });
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("Cp4dIdentity", cpd.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.StartsWith("identity token request:", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("401", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("invalid_grant", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
        Assert.Single(cpd.Requests);
    }

    [Fact]
    public async Task Fetch_ValidateAuthRefuses_FailureNamesStepWithoutIamTokenOrPassword()
    {
        using var cpd = TokenEndpointStub.Start()
            .Json(200, new { access_token = IamToken }, IdentityTokenPath)
            .Json(401, new { _messageCode_ = "401", message = $"iam-token {IamToken} rejected" }, ValidateAuthPath);
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("Cp4dIdentity", cpd.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.StartsWith("validateAuth:", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("401", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(IamToken, result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_ValidateAuthReplyWithoutToken_FailureNamesBothFields()
    {
        using var cpd = TokenEndpointStub.Start()
            .Json(200, new { access_token = IamToken }, IdentityTokenPath)
            .Json(200, new { username = "admin" }, ValidateAuthPath);
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("Cp4dIdentity", cpd.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.StartsWith("validateAuth:", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("'token'", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("'accessToken'", result.Failure.Reason, StringComparison.Ordinal);
    }
}
