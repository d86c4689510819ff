using System.Text;
using AuthProxy.Tests.Infrastructure;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

/// <summary><c>OAuth2ClientCredentials</c>: RFC 6749 §4.4 with Basic or body client authentication.</summary>
public sealed class OAuth2ClientCredentialsSourceTests
{
    [Fact]
    public async Task Fetch_Basic_PostsClientCredentialsFormWithScopeAudienceAndParameters_ReturnsBearerWithExpiresIn()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var idp = TokenEndpointStub.Start().Json(200, new { access_token = "oauth-token-1", token_type = "Bearer", expires_in = 600 }, "/oauth2/token");
        using var files = new TempDirectory();
        var options = OptionsFor("OAuth2ClientCredentials", idp.Url, files);
        options.ClientId = "proxy client";
        options.Scope = "keys:read keys:write";
        options.Audience = "https://api.example.com";
        options.Parameters = new() { ["resource"] = "urn:example:keys" };
        using var source = Create(options, time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("Bearer oauth-token-1", result.Token.HeaderValue);
        Assert.Equal(time.GetUtcNow().AddSeconds(600), result.Token.ExpiresAt);
        var request = Assert.Single(idp.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/oauth2/token", request.Path);
        Assert.Equal("application/x-www-form-urlencoded", request.Header("Content-Type"));
        Assert.Equal("application/json", request.Header("Accept"));
        // RFC 6749 §2.3.1: id and secret are form-encoded before base64.
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("proxy%20client:" + SecretValue)), request.Header("Authorization"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = "keys:read keys:write",
            ["audience"] = "https://api.example.com",
            ["resource"] = "urn:example:keys",
        }, request.Form());
    }

    [Fact]
    public async Task Fetch_Body_SendsClientIdAndSecretInTheFormWithoutAuthorization()
    {
        using var idp = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("OAuth2ClientCredentials", idp.Url, files);
        options.ClientAuthentication = "Body";
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        var request = Assert.Single(idp.Requests);
        Assert.Null(request.Header("Authorization"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "authproxy",
            ["client_secret"] = SecretValue,
        }, request.Form());
    }

    [Fact]
    public async Task Fetch_NoExpiresIn_LifetimeFromTheJwtExp()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var jwt = Jwt(time.GetUtcNow().AddMinutes(30), time.GetUtcNow());
        using var idp = TokenEndpointStub.Start().Json(200, new { access_token = jwt, token_type = "Bearer" });
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("OAuth2ClientCredentials", idp.Url, files), time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(time.GetUtcNow().AddMinutes(30), result.Token.ExpiresAt);
    }

    [Fact]
    public async Task Fetch_ServerRefuses_FailureNamesOAuthErrorWithoutSecret()
    {
        using var idp = TokenEndpointStub.Start().Json(401, new { error = "invalid_client", error_description = $"bad secret {SecretValue}" });
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("OAuth2ClientCredentials", idp.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Equal(502, result.Failure.StatusCode);
        Assert.Contains("401", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("invalid_client", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
    }
}
