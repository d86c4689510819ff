using System.Net;
using System.Text.Json;
using AuthProxy.Admin;
using AuthProxy.Hosting;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Admin;

/// <summary>README "Dashboard": the status document's routes, inbound, reloads, events and tokenCache, and what it never shows.</summary>
public sealed class StatusDocumentTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Routes_ShowMatchProviderClusterDestinationsAndPolicies_WithoutSecrets()
    {
        await using var env = await StartAsync();

        var (root, text) = await StatusAsync(env);

        var kms = root.GetProperty("routes").GetProperty("kms");
        Assert.Equal("/kms/{**rest}", kms.GetProperty("match").GetProperty("path").GetString());
        Assert.Equal("kp", kms.GetProperty("provider").GetString());
        Assert.Equal("keyprotect", kms.GetProperty("cluster").GetString());
        Assert.Equal(env.Upstream.Url + "/", kms.GetProperty("destinations").GetProperty("d1").GetProperty("address").GetString());
        Assert.Equal("unknown", kms.GetProperty("destinations").GetProperty("d1").GetProperty("health").GetString());
        Assert.Equal("kms-clients", kms.GetProperty("authorizationPolicy").GetString());
        Assert.Equal(JsonValueKind.Null, kms.GetProperty("rateLimiterPolicy").ValueKind);
        Assert.Empty(kms.GetProperty("overrides").EnumerateObject());

        var archive = root.GetProperty("routes").GetProperty("archive");
        Assert.Equal(JsonValueKind.Null, archive.GetProperty("provider").ValueKind);
        var match = archive.GetProperty("match");
        Assert.Equal(["GET"], match.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["archive.example.com"], match.GetProperty("hosts").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["X-Tenant"], match.GetProperty("headers").EnumerateArray().Select(m => m.GetString()));
        // As SafeDisplay.Url shows a URL: without its query.
        Assert.Equal("https://archive.example.com/v1/", archive.GetProperty("destinations").GetProperty("vault").GetProperty("address").GetString());

        var inbound = root.GetProperty("inbound");
        Assert.Equal(["billing-app"], inbound.GetProperty("clients").EnumerateObject().Select(c => c.Name));
        Assert.Equal(["billing-app"], inbound.GetProperty("policies").GetProperty("kms-clients").EnumerateArray().Select(c => c.GetString()));
        Assert.False(inbound.GetProperty("allowAnonymous").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("tokenCache").ValueKind);
        Assert.True(Math.Abs((root.GetProperty("now").GetDateTimeOffset() - DateTimeOffset.UtcNow).TotalMinutes) < 5);
        AssertNoSecret(text);
    }

    [Fact]
    public async Task Events_RecordFetchDropAndFailure_NewestFirst_WithCauses()
    {
        var refuse = false;
        await using var env = await StartAsync(o => o.Upstream = (context, _) =>
        {
            context.Response.StatusCode = Volatile.Read(ref refuse) ? 401 : 200;
            return Task.CompletedTask;
        });
        var client = ClientOf(env);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/a")).StatusCode);

        // The token endpoint fails and the upstream refuses the token: dropped, then the fetch for the retry fails.
        env.Idp.Handler = FakeIam.Error(500, "BXNIM0109E", "Internal error");
        Volatile.Write(ref refuse, true);
        Assert.Equal(HttpStatusCode.BadGateway, (await client.GetAsync("/kms/b")).StatusCode);

        var (root, text) = await StatusAsync(env);
        var events = root.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["backoffStarted", "failed", "dropped", "fetched"], events.Select(e => e.GetProperty("kind").GetString()));
        Assert.All(events, e => Assert.Equal("kp", e.GetProperty("provider").GetString()));
        Assert.Contains("500", events[1].GetProperty("detail").GetString());
        Assert.Contains("401", events[2].GetProperty("detail").GetString());
        Assert.True(events[0].GetProperty("until").GetDateTimeOffset() > events[0].GetProperty("at").GetDateTimeOffset());
        Assert.True(events[3].GetProperty("until").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.GetProperty("at").GetDateTimeOffset() >= p.Second.GetProperty("at").GetDateTimeOffset()));
        AssertNoSecret(text);
    }

    [Fact]
    public async Task Events_AnEditChangingAProvider_DropsItsTokenAsAnEvent()
    {
        await using var env = await StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await ClientOf(env).GetAsync("/kms/a")).StatusCode);

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, DashboardConfigs.WithSecrets(env.Idp.Url, env.Upstream.Url).Replace(DashboardConfigs.ApiKey, "rotated-" + DashboardConfigs.ApiKey));
        Assert.True(env.Proxy.Services.GetRequiredService<ConfigReloader>().CheckNow());

        var (root, text) = await StatusAsync(env);
        var latest = root.GetProperty("events")[0];
        Assert.Equal("dropped", latest.GetProperty("kind").GetString());
        Assert.Equal("kp", latest.GetProperty("provider").GetString());
        Assert.Contains("settings changed", latest.GetProperty("detail").GetString());
        Assert.Equal("empty", root.GetProperty("providers").GetProperty("kp").GetProperty("state").GetString());
        AssertNoSecret(text);
    }

    [Fact]
    public async Task Reloads_ShowEachAttemptNewestFirst_WithTheRejectedEditsConfigKeyPaths()
    {
        await using var env = await StartAsync();
        var reloader = env.Proxy.Services.GetRequiredService<ConfigReloader>();

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, DashboardConfigs.WithSecrets(env.Idp.Url, env.Upstream.Url, authToken: "nope"));
        Assert.False(reloader.CheckNow());
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, DashboardConfigs.WithSecrets(env.Idp.Url, env.Upstream.Url).Replace("GET", "POST"));
        Assert.True(reloader.CheckNow());
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, DashboardConfigs.WithSecrets(env.Idp.Url, env.Upstream.Url, authToken: "kpp"));
        Assert.False(reloader.CheckNow());

        var (root, text) = await StatusAsync(env);
        var reloads = root.GetProperty("reloads").EnumerateArray().ToList();
        Assert.Equal(["rejected", "accepted", "rejected"], reloads.Select(r => r.GetProperty("outcome").GetString()));
        var problem = Assert.Single(reloads[0].GetProperty("problems").EnumerateArray());
        Assert.Equal("ReverseProxy:Routes:kms:Transforms:1:AuthToken", problem.GetProperty("path").GetString());
        Assert.Contains("'kpp'", problem.GetProperty("reason").GetString());
        Assert.Empty(reloads[1].GetProperty("problems").EnumerateArray());
        Assert.Contains("'nope'", reloads[2].GetProperty("problems")[0].GetProperty("reason").GetString());
        Assert.Contains("'kpp'", root.GetProperty("config").GetProperty("lastReloadError").GetString());
        Assert.Equal(reloads[1].GetProperty("at").GetDateTimeOffset(), root.GetProperty("config").GetProperty("loadedAt").GetDateTimeOffset());
        // The accepted edit is what serves: the archive route now matches POST.
        Assert.Equal("POST", root.GetProperty("routes").GetProperty("archive").GetProperty("match").GetProperty("methods")[0].GetString());
        AssertNoSecret(text);
    }

    [Fact]
    public async Task ClientProviderMappings_FillTheRouteOverridesAndTheProvidersMappedClients()
    {
        var mapped = new InboundView(
            [new InboundClientView("billing-app", new Dictionary<string, string> { ["kp"] = "kp-billing" }), new InboundClientView("ops", new Dictionary<string, string>())],
            new Dictionary<string, IReadOnlyList<string>>(), AllowAnonymous: false);
        await using var env = await StartAsync(o =>
        {
            o.Config = e => DashboardConfigs.WithSecrets(e.Idp.Url, e.Upstream.Url)
                .Replace("\"TokenProviders\": {", $$"""
                    "TokenProviders": {
                      "kp-billing": { "Type": "IamApiKey", "ApiKey": "{{DashboardConfigs.ApiKey}}", "TokenUrl": "{{e.Idp.Url}}/identity/token" },
                    """, StringComparison.Ordinal);
            o.ConfigureProxy = builder => builder.Services.AddSingleton<IInboundViewSource>(new FixedInboundView(mapped));
        });

        var (root, _) = await StatusAsync(env);

        Assert.Equal("kp-billing", root.GetProperty("routes").GetProperty("kms").GetProperty("overrides").GetProperty("billing-app").GetString());
        Assert.Equal(["billing-app"], root.GetProperty("providers").GetProperty("kp-billing").GetProperty("mappedClients").EnumerateArray().Select(c => c.GetString()));
        Assert.Empty(root.GetProperty("providers").GetProperty("kp").GetProperty("mappedClients").EnumerateArray());
        Assert.Equal("kp-billing", root.GetProperty("inbound").GetProperty("clients").GetProperty("billing-app").GetProperty("tokenProviders").GetProperty("kp").GetString());
    }

    [Fact]
    public void InboundViewSource_ReadsNoMappingFromClientsWithoutOne()
    {
        var client = new AuthProxy.InboundAuth.InboundClient("billing-app", new byte[32]);

        Assert.Empty(InboundViewSource.TokenProvidersOf(client));
    }

    [Fact]
    public async Task Status_CarriesTheAdminSecurityHeaders()
    {
        await using var env = await StartAsync();

        using var response = await env.Proxy.CreateClient().GetAsync("/_authproxy/status");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(AdminResponse.ContentSecurityPolicy, string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
    }

    private Task<TestEnvironment> StartAsync(Action<TestEnvironmentOptions>? configure = null) =>
        TestEnvironment.StartAsync(output, o =>
        {
            o.Idp = DashboardConfigs.Iam();
            o.Config = e => DashboardConfigs.WithSecrets(e.Idp.Url, e.Upstream.Url);
            configure?.Invoke(o);
        });

    private static HttpClient ClientOf(TestEnvironment env)
    {
        var client = env.Client;
        client.DefaultRequestHeaders.Remove("X-API-Key");
        client.DefaultRequestHeaders.Add("X-API-Key", DashboardConfigs.ClientKey);
        return client;
    }

    private static async Task<(JsonElement Root, string Text)> StatusAsync(TestEnvironment env)
    {
        using var client = env.Proxy.CreateClient();
        var text = await client.GetStringAsync("/_authproxy/status");
        return (JsonDocument.Parse(text).RootElement, text);
    }

    private static void AssertNoSecret(string text)
    {
        foreach (var secret in DashboardConfigs.Secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"the status document contains a secret ({secret[..8]}…)");
        }
    }

    private sealed class FixedInboundView(InboundView view) : IInboundViewSource
    {
        public InboundView Current() => view;
    }
}
