using System.Net;
using System.Text;
using AuthProxy.Tests.Infrastructure;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

/// <summary>Each new provider type, configured in the JSON file, puts its header on the proxied request.</summary>
public sealed class ProvidersThroughProxyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("IamTrustedProfile")]
    [InlineData("Cp4dAuthorize")]
    [InlineData("Cp4dIdentity")]
    [InlineData("Cp4dSignin")]
    [InlineData("ZenApiKey")]
    [InlineData("SklmLogin")]
    [InlineData("SklmAccessToken")]
    [InlineData("IamAssume")]
    [InlineData("VpcInstanceIdentity")]
    [InlineData("OAuth2ClientCredentials")]
    public async Task Get_RouteWithProvider_UpstreamReceivesProviderHeader(string type)
    {
        var expected = type switch
        {
            "ZenApiKey" => "ZenApiKey " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + SecretValue)),
            "SklmLogin" or "SklmAccessToken" => "SKLMAuth userAuthId=credential-1",
            _ => "Bearer credential-1",
        };
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Idp = Succeed("credential-1");
            o.Upstream = (c, _) => c.Response.WriteAsync("ok");
            o.Config = e => Config(type, e.Idp.Url, e.Upstream.Url, e.Files.Write("cr-token", "cr-token-value\n"));
        });
        var client = env.Client;

        var response = await client.GetAsync("/api/v1/keys");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, Assert.Single(env.Upstream.Requests).Header("Authorization"));
        Assert.DoesNotContain(env.Proxy.Logs, line => line.Contains(SecretValue, StringComparison.Ordinal) || line.Contains("credential-1", StringComparison.Ordinal));
    }

    private static string Config(string type, string tokensUrl, string upstreamUrl, string crToken)
    {
        var provider = type switch
        {
            "IamTrustedProfile" => $$"""{ "Type": "IamTrustedProfile", "ProfileName": "p", "CrTokenFile": "{{crToken}}", "TokenUrl": "{{tokensUrl}}" }""",
            "Cp4dAuthorize" => $$"""{ "Type": "Cp4dAuthorize", "Url": "{{tokensUrl}}/icp4d-api", "Username": "admin", "ApiKey": "{{SecretValue}}" }""",
            "Cp4dIdentity" or "Cp4dSignin" => $$"""{ "Type": "{{type}}", "Url": "{{tokensUrl}}", "Username": "admin", "Password": "{{SecretValue}}" }""",
            "ZenApiKey" => $$"""{ "Type": "ZenApiKey", "Username": "admin", "ApiKey": "{{SecretValue}}" }""",
            "IamAssume" => $$"""{ "Type": "IamAssume", "ApiKey": "{{SecretValue}}", "ProfileId": "Profile-1", "TokenUrl": "{{tokensUrl}}" }""",
            "VpcInstanceIdentity" => $$"""{ "Type": "VpcInstanceIdentity", "MetadataUrl": "{{tokensUrl}}" }""",
            "OAuth2ClientCredentials" => $$"""{ "Type": "OAuth2ClientCredentials", "TokenUrl": "{{tokensUrl}}/oauth2/token", "ClientId": "c", "ClientSecret": "{{SecretValue}}" }""",
            _ => $$"""{ "Type": "{{type}}", "Url": "{{tokensUrl}}", "UserId": "sklmadmin", "Password": "{{SecretValue}}" }""",
        };
        return $$"""
        {
          "TokenProviders": { "p1": {{provider}} },
          "ReverseProxy": {
            "Routes": {
              "r": { "ClusterId": "c", "Match": { "Path": "/api/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/api" }, { "AuthToken": "p1" } ] }
            },
            "Clusters": { "c": { "Destinations": { "d": { "Address": "{{upstreamUrl}}/" } } } }
          }
        }
        """;
    }
}
