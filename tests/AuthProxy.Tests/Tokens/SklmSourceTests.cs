using AuthProxy.Tests.Infrastructure;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

public sealed class SklmSourceTests
{
    [Fact]
    public async Task SklmLogin_PostsJsonCredentialsToLogin_ReturnsSklmAuthHeaderWithConfiguredLifetime()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var sklm = TokenEndpointStub.Start().Json(200, new { userAuthId = "6c4a5f3e-session" }, "/SKLM/rest/v1/ckms/login");
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("SklmLogin", sklm.Url, files), time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("SKLMAuth userAuthId=6c4a5f3e-session", result.Token.HeaderValue);
        Assert.Equal(time.GetUtcNow().AddMinutes(20), result.Token.ExpiresAt);
        Assert.Equal(time.GetUtcNow().AddMinutes(16), result.Token.RefreshAt);
        var request = Assert.Single(sklm.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/SKLM/rest/v1/ckms/login", request.Path);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("application/json", request.Header("Accept"));
        Assert.Equal(new Dictionary<string, string?> { ["userid"] = "sklmadmin", ["password"] = SecretValue }, request.JsonBody());
    }

    [Fact]
    public async Task SklmAccessToken_GetsAccessTokenWithJsonBody_ReadsCapitalisedUserAuthId()
    {
        using var sklm = TokenEndpointStub.Start().Json(200, new { UserAuthId = "oidc-session-1" }, "/SKLM/rest/v1/ckms/accessToken");
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("SklmAccessToken", sklm.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("SKLMAuth userAuthId=oidc-session-1", result.Token.HeaderValue);
        var request = Assert.Single(sklm.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/SKLM/rest/v1/ckms/accessToken", request.Path);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal(new Dictionary<string, string?> { ["userid"] = "sklmadmin", ["password"] = SecretValue }, request.JsonBody());
    }

    [Theory]
    [InlineData("SklmLogin", "userAuthId")]
    [InlineData("SklmLogin", "UserAuthId")]
    [InlineData("SklmAccessToken", "userauthid")]
    public async Task Fetch_ReplyFieldCasing_IsIgnored(string type, string field)
    {
        using var sklm = TokenEndpointStub.Start().Json(200, new Dictionary<string, string> { [field] = "id-1" });
        using var files = new TempDirectory();
        using var source = Create(OptionsFor(type, sklm.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("SKLMAuth userAuthId=id-1", result.Token.HeaderValue);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/SKLM")]
    [InlineData("/SKLM/")]
    public async Task Fetch_UrlSpellings_NeverDoubleSklmSegment(string suffix)
    {
        using var sklm = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("SklmLogin", sklm.Url, files);
        options.Url = sklm.Url + suffix;
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("/SKLM/rest/v1/ckms/login", Assert.Single(sklm.Requests).Path);
    }

    [Fact]
    public async Task Fetch_LifetimeOption_SetsExpiry()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var sklm = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("SklmLogin", sklm.Url, files);
        options.Lifetime = TimeSpan.FromMinutes(5);
        using var source = Create(options, time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(time.GetUtcNow().AddMinutes(5), result.Token.ExpiresAt);
    }

    [Theory]
    [InlineData("SklmLogin")]
    [InlineData("SklmAccessToken")]
    public async Task Fetch_LoginRefused_FailureNamesSklmCodeWithoutPassword(string type)
    {
        using var sklm = TokenEndpointStub.Start().Json(401,
            new { code = "CTGKM6003E", message = $"CTGKM6003E Authentication failed for user sklmadmin with password {SecretValue}." });
        using var files = new TempDirectory();
        using var source = Create(OptionsFor(type, sklm.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Equal(502, result.Failure.StatusCode);
        Assert.Contains("401", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("CTGKM6003E", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
    }
}
