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
    public async Task Get_RouteWithProvider_UpstreamReceivesProviderHeader(string type)
    {
        await using var tokens = await FakeServer.StartAsync(Succeed("credential-1"));
        await using var upstream = await FakeServer.StartAsync((c, _) => c.Response.WriteAsync("ok"));
        using var files = new TempDirectory();
        var crToken = files.Write("cr-token", "cr-token-value\n");
        var provider = type switch
        {
            "IamTrustedProfile" => $$"""{ "Type": "IamTrustedProfile", "ProfileName": "p", "CrTokenFile": "{{crToken}}", "TokenUrl": "{{tokens.Url}}" }""",
            "Cp4dAuthorize" => $$"""{ "Type": "Cp4dAuthorize", "Url": "{{tokens.Url}}/icp4d-api", "Username": "admin", "ApiKey": "{{SecretValue}}" }""",
            "Cp4dIdentity" or "Cp4dSignin" => $$"""{ "Type": "{{type}}", "Url": "{{tokens.Url}}", "Username": "admin", "Password": "{{SecretValue}}" }""",
            "ZenApiKey" => $$"""{ "Type": "ZenApiKey", "Username": "admin", "ApiKey": "{{SecretValue}}" }""",
            _ => $$"""{ "Type": "{{type}}", "Url": "{{tokens.Url}}", "UserId": "sklmadmin", "Password": "{{SecretValue}}" }""",
        };
        var expected = type switch
        {
            "ZenApiKey" => "ZenApiKey " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + SecretValue)),
            "SklmLogin" or "SklmAccessToken" => "SKLMAuth userAuthId=credential-1",
            _ => "Bearer credential-1",
        };
        var config = $$"""
        {
          "TokenProviders": { "p1": {{provider}} },
          "ReverseProxy": {
            "Routes": {
              "r": { "ClusterId": "c", "Match": { "Path": "/api/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/api" }, { "AuthToken": "p1" } ] }
            },
            "Clusters": { "c": { "Destinations": { "d": { "Address": "{{upstream.Url}}/" } } } }
          }
        }
        """;
        await using var proxy = await ProxyHost.StartAsync(config, output);
        using var client = proxy.CreateClient();

        var response = await client.GetAsync("/api/v1/keys");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, Assert.Single(upstream.Requests).Header("Authorization"));
        Assert.DoesNotContain(proxy.Logs, line => line.Contains(SecretValue, StringComparison.Ordinal) || line.Contains("credential-1", StringComparison.Ordinal));
    }
}
