using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tests.Sandbox;

namespace AuthProxy.Tests.Security;

/// <summary>
/// docs/tokens.md: API keys, passwords, client keys and issued tokens never appear in logs (Trace included),
/// exported traces and logs, problem bodies or status output — for every provider type, on success and failure paths.
/// </summary>
[Collection(OpenTelemetryCollection.Name)]
public sealed class NoSecretLeakTests(ITestOutputHelper output)
{
    private const string ClientKey = "inbound-client-key-SECRET-7f3a9c";
    private const string CrToken = "compute-resource-token-SECRET-51d2";
    private const string WrongPassword = "wrong-password-SECRET-88e1";

    [Fact]
    public async Task EveryProviderType_AtTraceLevel_LeaksNoSecretAnywhere()
    {
        using var cts = TestTimeouts.Cts();
        var template = await File.ReadAllTextAsync(ConfigFiles.Path("authproxy.json"), cts.Token);
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Sandbox = true;
            o.Collector = true;
            o.MinimumLevel = LogLevel.Trace;
            // ASP.NET Core's request logs too (off by default: README "Performance"), as an operator turns them on.
            o.ProxyArgs.Add("--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Trace");
            o.Config = e => SandboxConfig(template, e.Sandbox, e.Files.Write("cr-token", CrToken + "\n"));
        });
        var sandbox = env.Sandbox;
        var proxy = env.Proxy;

        var bodies = new StringBuilder();
        var client = env.Client;
        client.DefaultRequestHeaders.Add("X-API-Key", ClientKey);
        string[] paths =
        [
            "/kms/api/v2/keys", "/kms-profile/api/v2/keys", "/sklm/SKLM/rest/v1/ckms/keys", "/sklm-oidc/SKLM/rest/v1/ckms/keys",
            "/watsonx/ml/v4/deployments?version=2024-05-01", "/watsonx-identity/ml/v4/deployments?version=2024-05-01",
            "/watsonx-signin/ml/v4/deployments?version=2024-05-01", "/watsonx-zen/ml/v4/deployments?version=2024-05-01",
        ];
        foreach (var path in paths)
        {
            using var response = await client.GetAsync(path, cts.Token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cts.Token)}");
        }

        // Upstreams revoke every token: the 401-retry path runs for every route.
        sandbox.Tokens.RevokeAll();
        foreach (var path in paths.Where(p => !p.Contains("zen", StringComparison.Ordinal)))
        {
            using var response = await client.GetAsync(path, cts.Token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} after revocation: {(int)response.StatusCode}");
        }

        // Failure paths: refused credential (502), then backoff (503); wrong and Basic client keys (401).
        for (var i = 0; i < 2; i++)
        {
            using var failed = await client.GetAsync("/sklm-bad/SKLM/rest/v1/ckms/keys", cts.Token);
            Assert.Contains((int)failed.StatusCode, new[] { 502, 503 });
            bodies.AppendLine(await failed.Content.ReadAsStringAsync(cts.Token));
        }

        using (var wrongKey = new HttpRequestMessage(HttpMethod.Get, "/kms/api/v2/keys"))
        {
            wrongKey.Headers.Add("X-API-Key", ClientKey + "x");
            using var anonymous = proxy.CreateClient();
            using var rejected = await anonymous.SendAsync(wrongKey, cts.Token);
            Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
            bodies.AppendLine(await rejected.Content.ReadAsStringAsync(cts.Token));
            using var basic = new HttpRequestMessage(HttpMethod.Get, "/kms/api/v2/keys");
            basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("app:" + ClientKey)));
            using var accepted = await anonymous.SendAsync(basic, cts.Token);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        bodies.AppendLine(await client.GetStringAsync("/_authproxy/status", cts.Token));

        // Stopping the proxy flushes its exporters to the collector.
        await env.StopProxyAsync();
        var issued = sandbox.Tokens.Snapshot().Select(t => t.Value).ToList();
        Assert.True(issued.Count >= 14, $"expected tokens from every flow, got {issued.Count}");
        string[] secrets =
        [
            SandboxDefaults.ApiKey, SandboxDefaults.CloudPakApiKey, SandboxDefaults.CloudPakPassword, ClientKey, CrToken, WrongPassword,
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SandboxDefaults.CloudPakUsername}:{SandboxDefaults.CloudPakApiKey}")),
            Convert.ToBase64String(Encoding.UTF8.GetBytes("app:" + ClientKey)),
            .. issued,
        ];
        var logs = string.Join("\n", proxy.Logs);
        var exported = string.Concat(env.Collector.Requests.Select(r => Encoding.UTF8.GetString(r.Body)));
        Assert.Contains("authproxy.token.fetch", exported);
        Assert.True(proxy.Logs.Count > 100, "Trace logging produced too little to be a meaningful check");
        foreach (var secret in secrets)
        {
            Assert.False(logs.Contains(secret, StringComparison.Ordinal), $"a secret ({secret[..4]}…) is in the logs");
            Assert.False(exported.Contains(secret, StringComparison.Ordinal), $"a secret ({secret[..4]}…) is in exported telemetry");
            Assert.False(bodies.ToString().Contains(secret, StringComparison.Ordinal), $"a secret ({secret[..4]}…) is in a problem body or the status");
        }
    }

    [Fact]
    public async Task NewProviderTypesAndJwtClients_AtTraceLevel_LeakNoSecretOrJwtAnywhere()
    {
        const string OAuthSecret = "oauth2-client-secret-SECRET-93ab";
        const string OAuthToken = "oauth2-access-token-SECRET-4c1d";
        using var cts = TestTimeouts.Cts();
        await using var oauth = await FakeServer.StartAsync((context, request) => request.BodyText.Contains("scope=refused", StringComparison.Ordinal)
            ? FakeIam.Json(context, 401, new { error = "invalid_client", error_description = "bad secret " + OAuthSecret })
            : FakeIam.Json(context, 200, new { access_token = OAuthToken, token_type = "Bearer", expires_in = 3600 }));
        await using var upstream = await FakeServer.StartAsync();
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Sandbox = true;
            o.Collector = true;
            o.MinimumLevel = LogLevel.Trace;
            // ASP.NET Core's request logs too (off by default: README "Performance"), as an operator turns them on.
            o.ProxyArgs.Add("--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Trace");
            o.Config = e => Identity.IdentitySandbox.Config(e.Sandbox,
                """
                "oauth": { "ClusterId": "plain", "Match": { "Path": "/oauth/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/oauth" }, { "AuthToken": "oauth" } ] },
                "oauth-bad": { "ClusterId": "plain", "Match": { "Path": "/oauth-bad/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/oauth-bad" }, { "AuthToken": "oauth-bad" } ] },
                "assume-bad": { "ClusterId": "keyprotect", "Match": { "Path": "/assume-bad/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/assume-bad" }, { "AuthToken": "assume-bad" } ] },
                "plain": { "ClusterId": "plain", "Match": { "Path": "/plain/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/plain" } ] }
                """,
                $$""" "plain": { "Destinations": { "d": { "Address": "{{upstream.Url}}/" } } }""")
                .Replace("\"TokenProviders\": {\n", $$"""
                    "TokenProviders": {
                      "oauth": { "Type": "OAuth2ClientCredentials", "TokenUrl": "{{oauth.Url}}/oauth2/token", "ClientId": "proxy", "ClientSecret": "{{OAuthSecret}}" },
                      "oauth-bad": { "Type": "OAuth2ClientCredentials", "TokenUrl": "{{oauth.Url}}/oauth2/token", "ClientId": "proxy", "ClientSecret": "{{OAuthSecret}}", "Scope": "refused", "ClientAuthentication": "Body" },
                      "assume-bad": { "Type": "IamAssume", "ApiKey": "{{SandboxDefaults.ApiKey}}", "ProfileId": "Profile-unknown", "TokenUrl": "{{e.Sandbox.Iam.Url}}/identity/token" },
                    """, StringComparison.Ordinal);
        });
        var issuer = env.Sandbox.OidcIssuer;
        var jwts = new List<string>();
        var bodies = new StringBuilder();
        async Task<HttpStatusCode> SendAsync(string path, string? jwt = null, string? key = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (jwt is not null)
            {
                jwts.Add(jwt);
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + jwt);
            }

            if (key is not null)
            {
                request.Headers.Add("X-API-Key", key);
            }

            using var response = await env.Client.SendAsync(request, cts.Token);
            bodies.AppendLine(await response.Content.ReadAsStringAsync(cts.Token));
            return response.StatusCode;
        }

        string[] okPaths = ["/kms/api/v2/keys", "/kms-vpc/api/v2/keys", "/oauth/x", "/plain/x"];
        foreach (var path in okPaths)
        {
            Assert.Equal(HttpStatusCode.OK, await SendAsync(path, issuer.Mint(Identity.IdentitySandbox.Billing)));
        }

        Assert.Equal(HttpStatusCode.OK, await SendAsync("/kms/api/v2/keys", issuer.Mint(Identity.IdentitySandbox.Reporting)));
        Assert.Equal(HttpStatusCode.OK, await SendAsync("/kms/api/v2/keys", key: Identity.IdentitySandbox.LegacyKey));
        env.Sandbox.Tokens.RevokeAll();
        Assert.Equal(HttpStatusCode.OK, await SendAsync("/kms/api/v2/keys", issuer.Mint(Identity.IdentitySandbox.Billing)));
        Assert.Equal(HttpStatusCode.OK, await SendAsync("/kms-vpc/api/v2/keys", issuer.Mint(Identity.IdentitySandbox.Billing)));
        Assert.Equal(HttpStatusCode.BadGateway, await SendAsync("/oauth-bad/x", issuer.Mint(Identity.IdentitySandbox.Billing)));
        Assert.Equal(HttpStatusCode.BadGateway, await SendAsync("/assume-bad/api/v2/keys", issuer.Mint(Identity.IdentitySandbox.Billing)));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("/kms/api/v2/keys", issuer.Mint(Identity.IdentitySandbox.Billing, audience: "other")));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("/kms/api/v2/keys", issuer.Mint("system:serviceaccount:x:intruder")));
        bodies.AppendLine(await env.Client.GetStringAsync("/_authproxy/status", cts.Token));
        Assert.All(upstream.Requests, r => Assert.DoesNotContain(jwts, j => (r.Header("Authorization") ?? "").Contains(j, StringComparison.Ordinal)));

        await env.StopProxyAsync();
        string[] secrets =
        [
            SandboxDefaults.ApiKey, Identity.IdentitySandbox.LegacyKey, OAuthSecret, OAuthToken,
            Convert.ToBase64String(Encoding.UTF8.GetBytes("proxy:" + OAuthSecret)),
            .. env.Sandbox.Tokens.Snapshot().Select(t => t.Value),
            .. jwts,
        ];
        var logs = string.Join("\n", env.Proxy.Logs);
        var exported = string.Concat(env.Collector.Requests.Select(r => Encoding.UTF8.GetString(r.Body)));
        Assert.True(env.Proxy.Logs.Count > 100, "Trace logging produced too little to be a meaningful check");
        Assert.Contains("assume request", bodies.ToString(), StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            Assert.False(logs.Contains(secret, StringComparison.Ordinal), $"a secret ({secret[..4]}…) is in the logs");
            Assert.False(exported.Contains(secret, StringComparison.Ordinal), $"a secret ({secret[..4]}…) is in exported telemetry");
            Assert.False(bodies.ToString().Contains(secret, StringComparison.Ordinal), $"a secret ({secret[..4]}…) is in a problem body or the status");
        }
    }

    /// <summary>The shipped configuration pointed at the emulators, with an inbound client, a trusted-profile route and a refused SKLM login.</summary>
    private static string SandboxConfig(string template, SandboxEmulators sandbox, string crTokenFile) => template
        .Replace($"http://127.0.0.1:{SandboxDefaults.IamPort}", sandbox.Iam.Url, StringComparison.Ordinal)
        .Replace($"http://127.0.0.1:{SandboxDefaults.KeyProtectPort}", sandbox.KeyProtect.Url, StringComparison.Ordinal)
        .Replace($"http://127.0.0.1:{SandboxDefaults.CloudPakPort}", sandbox.CloudPak.Url, StringComparison.Ordinal)
        .Replace($"http://127.0.0.1:{SandboxDefaults.SklmPort}", sandbox.Sklm.Url, StringComparison.Ordinal)
        .Replace("\"TokenProviders\": {", $$"""
            "InboundAuth": { "Clients": { "app": { "ApiKey": "{{ClientKey}}" } } },
            "TokenProviders": {
              "profile":   { "Type": "IamTrustedProfile", "ProfileName": "{{SandboxDefaults.TrustedProfileName}}", "CrTokenFile": "{{crTokenFile}}", "TokenUrl": "{{sandbox.Iam.Url}}" },
              "sklm-bad":  { "Type": "SklmLogin", "Url": "{{sandbox.Sklm.Url}}", "UserId": "sklmadmin", "Password": "{{WrongPassword}}" },
            """, StringComparison.Ordinal)
        .Replace("\"Routes\": {", $$"""
            "Routes": {
              "kms-profile": { "ClusterId": "keyprotect", "Match": { "Path": "/kms-profile/{**rest}" },
                "Transforms": [ { "PathRemovePrefix": "/kms-profile" }, { "AuthToken": "profile" }, { "RequestHeader": "bluemix-instance", "Set": "{{SandboxDefaults.KeyProtectInstanceId}}" } ] },
              "sklm-bad": { "ClusterId": "sklm", "Match": { "Path": "/sklm-bad/{**rest}" },
                "Transforms": [ { "PathRemovePrefix": "/sklm-bad" }, { "AuthToken": "sklm-bad" } ] },
            """, StringComparison.Ordinal);
}
