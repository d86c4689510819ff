using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

public sealed class Cp4dAuthorizeSourceTests
{
    [Fact]
    public async Task Fetch_ApiKey_PostsUsernameAndApiKeyJson_ReturnsBearerToken()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var jwt = Jwt(time.GetUtcNow().AddHours(12), time.GetUtcNow());
        using var cpd = TokenEndpointStub.Start().Json(200, new { _messageCode_ = "200", message = "success", token = jwt }, "/icp4d-api/v1/authorize");
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("Cp4dAuthorize", cpd.Url, files), time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("Bearer " + jwt, result.Token.HeaderValue);
        Assert.Equal(time.GetUtcNow().AddHours(12), result.Token.ExpiresAt);
        var request = Assert.Single(cpd.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/icp4d-api/v1/authorize", request.Path);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("application/json", request.Header("Accept"));
        Assert.Equal(new Dictionary<string, string?> { ["username"] = "admin", ["api_key"] = SecretValue }, request.JsonBody());
    }

    [Fact]
    public async Task Fetch_PasswordSet_PostsUsernameAndPasswordJson()
    {
        using var cpd = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("Cp4dAuthorize", cpd.Url, files);
        options.ApiKey = null;
        options.PasswordFile = files.Write("password", "file-password\n");
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("Bearer tok-1", result.Token.HeaderValue);
        Assert.Equal(new Dictionary<string, string?> { ["username"] = "admin", ["password"] = "file-password" }, Assert.Single(cpd.Requests).JsonBody());
    }

    [Theory]
    [InlineData("", "/icp4d-api/v1/authorize")]
    [InlineData("/", "/icp4d-api/v1/authorize")]
    [InlineData("/icp4d-api", "/icp4d-api/v1/authorize")]
    [InlineData("/icp4d-api/", "/icp4d-api/v1/authorize")]
    [InlineData("/cpd", "/cpd/icp4d-api/v1/authorize")]
    [InlineData("/cpd/icp4d-api", "/cpd/icp4d-api/v1/authorize")]
    public async Task Fetch_UrlSpellings_NeverDoubleIcp4dApi(string suffix, string expectedPath)
    {
        using var cpd = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("Cp4dAuthorize", cpd.Url, files);
        options.Url = cpd.Url + suffix;
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(expectedPath, Assert.Single(cpd.Requests).Path);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Fetch_JwtExpiringIn60s_RefreshAt48sAfterIssue(bool withIat)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var issued = time.GetUtcNow();
        var jwt = Jwt(issued.AddSeconds(60), withIat ? issued : null);
        using var cpd = TokenEndpointStub.Start().Json(200, new { token = jwt });
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("Cp4dAuthorize", cpd.Url, files), time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(issued.AddSeconds(60), result.Token.ExpiresAt);
        Assert.Equal(issued.AddSeconds(48), result.Token.RefreshAt);
        Assert.Equal(issued.AddSeconds(54), result.Token.UsableUntil); // window: 10% of 60 s, under the 10 s default
    }

    [Fact]
    public async Task Fetch_CloudPakErrorJson_FailureNamesMessageCodeAndMessageWithoutSecret()
    {
        using var cpd = TokenEndpointStub.Start().Json(401,
            new { _messageCode_ = "error.login.failed", message = $"Invalid api_key {SecretValue} for user admin" });
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("Cp4dAuthorize", cpd.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Equal(502, result.Failure.StatusCode);
        Assert.Contains("401", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("error.login.failed", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("Invalid api_key", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
    }
}
