using AuthProxy.Tests.Infrastructure;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

public sealed class Cp4dSigninSourceTests
{
    [Fact]
    public async Task Fetch_PostsUsernameAndPasswordJsonToSignin_ReturnsBearerWithJwtLifetime()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var jwt = Jwt(time.GetUtcNow().AddHours(1));
        using var cpd = TokenEndpointStub.Start().Json(200, new { _messageCode_ = "success", message = "success", token = jwt }, "/v1/preauth/signin");
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("Cp4dSignin", cpd.Url, files), time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("Bearer " + jwt, result.Token.HeaderValue);
        Assert.Equal(time.GetUtcNow().AddHours(1), result.Token.ExpiresAt);
        var request = Assert.Single(cpd.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/preauth/signin", request.Path);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal(new Dictionary<string, string?> { ["username"] = "admin", ["password"] = SecretValue }, request.JsonBody());
    }

    [Fact]
    public async Task Fetch_UrlWithIcp4dApiSegment_SignsInAtPlatformRoot()
    {
        using var cpd = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("Cp4dSignin", cpd.Url, files);
        options.Url = cpd.Url + "/icp4d-api/";
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("/v1/preauth/signin", Assert.Single(cpd.Requests).Path);
    }

    [Fact]
    public async Task Fetch_WrongPassword_FailureNamesCloudPakErrorWithoutSecret()
    {
        using var cpd = TokenEndpointStub.Start().Json(401,
            new { _messageCode_ = "401", message = $"Invalid username or password '{SecretValue}'" });
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("Cp4dSignin", cpd.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("401", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("Invalid username or password", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
    }
}
