using System.Globalization;
using System.Net;
using AuthProxy.Tests.Configuration;
using AuthProxy.Tests.Infrastructure;
using Microsoft.Playwright;

namespace AuthProxy.Tests.Admin;

/// <summary>
/// README "Dashboard" in a real browser: Debian's chromium, driven by Playwright, against the real proxy and fake token
/// endpoint and upstream on 127.0.0.1. Waits are Playwright's own assertions (they poll the page until a deadline).
/// </summary>
public sealed class DashboardBrowserTests(Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>
{
    private static readonly LocatorAssertionsToContainTextOptions WithinReload = new() { Timeout = 10_000 };

    [BrowserFact]
    public async Task Page_LoadsAndRefreshes_WithNoConsoleErrorAndNoRequestOutsideTheProxy()
    {
        await using var env = await StartAsync();
        await RequestAsync(env, "/kms/keys");
        await using var dashboard = await DashboardPage.OpenAsync(chromium, env.Proxy.Url);

        await Assertions.Expect(dashboard.ProviderRow("kp")).ToContainTextAsync("valid");
        await Assertions.Expect(dashboard.Page.Locator("#routes-table tbody tr[data-key='kms']")).ToContainTextAsync("/kms/{**rest}");
        await Assertions.Expect(dashboard.Page.Locator("#events-table")).ToContainTextAsync("fetched");
        // Several refreshes, each a request to the status endpoint.
        Assert.True(await Eventually.TrueAsync(() => dashboard.Requests.Count(r => r.EndsWith("/_authproxy/status", StringComparison.Ordinal)) >= 3));
        await dashboard.ScreenshotAsync("dashboard-1280.png");

        Assert.Empty(dashboard.Errors);
        Assert.All(dashboard.Requests, url => Assert.StartsWith(dashboard.Origin + "/_authproxy/", url, StringComparison.Ordinal));
        Assert.Contains(dashboard.Requests, url => url.EndsWith("/_authproxy/dashboard.js", StringComparison.Ordinal));
    }

    [BrowserFact]
    public async Task ProviderState_ChangesOnThePageWithin3s_AfterTheTokenEndpointStartsFailing()
    {
        var refuse = false;
        await using var env = await StartAsync(o => o.Upstream = (context, _) =>
        {
            context.Response.StatusCode = Volatile.Read(ref refuse) ? 401 : 200;
            return Task.CompletedTask;
        });
        await RequestAsync(env, "/kms/keys");
        await using var dashboard = await DashboardPage.OpenAsync(chromium, env.Proxy.Url);
        var row = dashboard.ProviderRow("kp");
        await Assertions.Expect(row).ToContainTextAsync("valid");

        // IAM starts failing (503, asking for 30 s); the upstream then refuses the token, so the proxy drops it and needs
        // a new one, which it cannot get: the provider backs off.
        env.Idp.Handler = (context, _) =>
        {
            context.Response.Headers.RetryAfter = "30";
            return FakeIam.Json(context, 503, FakeIam.ErrorReply("BXNIM0503E", "Service unavailable"));
        };
        Volatile.Write(ref refuse, true);
        using (var failed = await ClientOf(env).GetAsync("/kms/keys"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        var within3s = new LocatorAssertionsToContainTextOptions { Timeout = 3_000 };
        await Assertions.Expect(row.Locator(".state-backoff")).ToContainTextAsync("backoff", within3s);
        await Assertions.Expect(row).ToContainTextAsync("503", within3s);
        await Assertions.Expect(row.Locator("[data-label='Backoff until'] .countdown")).ToBeVisibleAsync();
        await Assertions.Expect(dashboard.Page.Locator("#summary")).ToContainTextAsync("1 backoff");
        var events = dashboard.Page.Locator("#events-table tbody tr");
        await Assertions.Expect(events.Nth(0)).ToContainTextAsync("backoff started");
        await Assertions.Expect(events.Nth(1)).ToContainTextAsync("failed");
        await Assertions.Expect(events.Nth(2)).ToContainTextAsync("dropped");
        await Assertions.Expect(events.Nth(2)).ToContainTextAsync("401");
        Assert.Empty(dashboard.Errors);
    }

    [BrowserFact]
    public async Task RejectedLiveEdit_AppearsWithItsConfigKeyPath_AndTheLastGoodConfigurationStillShows()
    {
        await using var env = await StartAsync();
        await using var dashboard = await DashboardPage.OpenAsync(chromium, env.Proxy.Url);
        await Assertions.Expect(dashboard.Page.Locator("#configuration")).ToContainTextAsync("no edit since start-up");

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, DashboardConfigs.WithSecrets(env.Idp.Url, env.Upstream.Url, authToken: "kpp"));

        var alert = dashboard.Page.Locator("#rejected-edit");
        await Assertions.Expect(alert).ToContainTextAsync("ReverseProxy:Routes:kms:Transforms:1:AuthToken", WithinReload);
        await Assertions.Expect(alert).ToContainTextAsync("unknown token provider 'kpp'");
        await Assertions.Expect(alert).ToContainTextAsync("keeps serving");
        var attempt = dashboard.Page.Locator("#reloads-table tbody tr").First;
        await Assertions.Expect(attempt.Locator(".outcome-rejected")).ToContainTextAsync("rejected");
        await Assertions.Expect(attempt).ToContainTextAsync("ReverseProxy:Routes:kms:Transforms:1:AuthToken");
        // The route still names the provider the serving configuration gave it.
        await Assertions.Expect(dashboard.Page.Locator("#routes-table tbody tr[data-key='kms']")).ToContainTextAsync("kp");
        await dashboard.ScreenshotAsync("dashboard-rejected-edit.png");

        // A valid edit clears the alert.
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, DashboardConfigs.WithSecrets(env.Idp.Url, env.Upstream.Url).Replace("\"GET\"", "\"POST\""));
        await Assertions.Expect(dashboard.Page.Locator("#reloads-table tbody tr").First).ToContainTextAsync("accepted", WithinReload);
        await Assertions.Expect(alert).ToHaveCountAsync(0);
        Assert.Empty(dashboard.Errors);
    }

    [BrowserFact]
    public async Task ExpiryCountdown_Moves()
    {
        await using var env = await StartAsync();
        await RequestAsync(env, "/kms/keys");
        await using var dashboard = await DashboardPage.OpenAsync(chromium, env.Proxy.Url);
        var countdown = dashboard.ProviderRow("kp").Locator("[data-label='Expires in'] .countdown");
        var first = await countdown.TextContentAsync();
        Assert.Matches("^(59m|1h 00m) [0-5][0-9]s$", first);

        await Assertions.Expect(countdown).Not.ToHaveTextAsync(first!);
        Assert.Matches("^59m [0-5][0-9]s$", await countdown.TextContentAsync());
    }

    [BrowserFact]
    public async Task NoSecret_InThePageOrItsData()
    {
        await using var env = await StartAsync();
        await RequestAsync(env, "/kms/keys");
        // A rejected edit and a failure too: their texts are on the page.
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, DashboardConfigs.WithSecrets(env.Idp.Url, env.Upstream.Url, authToken: "kpp")
            .Replace(DashboardConfigs.ApiKey, DashboardConfigs.ApiKey + "-rotated"));
        await using var dashboard = await DashboardPage.OpenAsync(chromium, env.Proxy.Url);
        await Assertions.Expect(dashboard.Page.Locator("#rejected-edit")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Assertions.Expect(dashboard.Page.Locator("#routes-table tbody tr[data-key='archive']")).ToContainTextAsync("https://archive.example.com/v1/");

        var page = await dashboard.DomAndTextAsync();
        using var client = env.Proxy.CreateClient();
        var status = await client.GetStringAsync("/_authproxy/status");

        var issued = Enumerable.Range(1, env.Idp.RequestCount).Select(n => DashboardConfigs.TokenPrefix + n).ToList();
        Assert.NotEmpty(issued);
        foreach (var secret in DashboardConfigs.Secrets.Concat(issued))
        {
            Assert.False(page.Contains(secret, StringComparison.Ordinal), $"the page contains a secret ({secret[..8]}…)");
            Assert.False(status.Contains(secret, StringComparison.Ordinal), $"the status document contains a secret ({secret[..8]}…)");
        }

        Assert.Contains("X-Tenant", page); // the header match is shown by name, its value is not
        Assert.Empty(dashboard.Errors);
    }

    [BrowserFact]
    public async Task NarrowWindow_HasNoHorizontalOverflow_AndShowsEveryProviderField()
    {
        await using var env = await StartAsync();
        await RequestAsync(env, "/kms/keys");
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, DashboardConfigs.WithSecrets(env.Idp.Url, env.Upstream.Url, authToken: "kpp"));

        foreach (var width in new[] { 400, 1280 })
        {
            await using var dashboard = await DashboardPage.OpenAsync(chromium, env.Proxy.Url, width: width);
            await Assertions.Expect(dashboard.Page.Locator("#rejected-edit")).ToBeVisibleAsync(new() { Timeout = 10_000 });
            await Assertions.Expect(dashboard.Page.Locator("#events-table tbody tr")).Not.ToHaveCountAsync(0);

            var overflow = await dashboard.Page.EvaluateAsync<int[]>("""
                () => [document.documentElement.scrollWidth - document.documentElement.clientWidth,
                       ...[...document.querySelectorAll('main, main > section, header, nav, footer')].map(e => e.scrollWidth - e.clientWidth)]
                """);
            output.WriteLine($"{width} px: overflow {string.Join(", ", overflow)}");
            Assert.All(overflow, o => Assert.True(o <= 0, $"at {width} px something is wider than its box by {o} px"));

            // Every cell of a provider is readable: labelled (as a card on a narrow window) and inside the window.
            var cells = dashboard.ProviderRow("kp").Locator("th, td:not(.is-empty)");
            Assert.True(await cells.CountAsync() >= 5);
            foreach (var cell in await cells.AllAsync())
            {
                var box = await cell.BoundingBoxAsync();
                Assert.NotNull(box);
                Assert.True(box.X >= 0 && box.X + box.Width <= width + 0.5, $"a cell at {box.X}+{box.Width} leaves a {width} px window");
            }

            await dashboard.ScreenshotAsync($"dashboard-{width}-rejected.png");
            Assert.Empty(dashboard.Errors);
        }
    }

    [BrowserFact]
    public async Task Timestamps_AreInTheViewersTimeZone_WithUtcOnHover()
    {
        await using var env = await StartAsync();
        await RequestAsync(env, "/kms/keys");
        await using var dashboard = await DashboardPage.OpenAsync(chromium, env.Proxy.Url, timezone: "Asia/Kolkata", locale: "en-GB");
        var time = dashboard.ProviderRow("kp").Locator("[data-label='Last refresh'] time");
        await Assertions.Expect(time).ToBeVisibleAsync();

        var utc = DateTimeOffset.Parse((await time.GetAttributeAsync("datetime"))!, CultureInfo.InvariantCulture);
        var local = utc.ToOffset(TimeSpan.FromHours(5.5));
        var shown = await time.TextContentAsync();
        Assert.Contains(local.ToString("HH:mm:ss", CultureInfo.InvariantCulture), shown);
        Assert.Equal(utc.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC", await time.GetAttributeAsync("title"));
    }

    [BrowserFact]
    public async Task ProxyStopsAnswering_ThePageSaysSo_AndKeepsTheLastData()
    {
        await using var env = await StartAsync();
        await RequestAsync(env, "/kms/keys");
        await using var dashboard = await DashboardPage.OpenAsync(chromium, env.Proxy.Url);
        await Assertions.Expect(dashboard.ProviderRow("kp")).ToContainTextAsync("valid");

        await env.StopProxyAsync();

        await Assertions.Expect(dashboard.Page.Locator("#connection-lost")).ToContainTextAsync("does not answer", WithinReload);
        await Assertions.Expect(dashboard.Page.Locator("#updated")).ToContainTextAsync("Stale");
        await Assertions.Expect(dashboard.ProviderRow("kp")).ToContainTextAsync("valid");
        // Refused polls are the point here (the browser logs each): nothing else may have gone wrong.
        Assert.All(dashboard.Errors, e => Assert.True(e.Contains("/_authproxy/status", StringComparison.Ordinal) ||
            e.Contains("ERR_CONNECTION_REFUSED", StringComparison.Ordinal), e));
    }

    [BrowserFact]
    public async Task PerClientOverrides_FillTheirColumns_WhenClientsHaveProviderMappings()
    {
        var view = new AuthProxy.Admin.InboundView(
            [new AuthProxy.Admin.InboundClientView("billing-app", new Dictionary<string, string> { ["kp"] = "kp-billing" })],
            new Dictionary<string, IReadOnlyList<string>> { ["kms-clients"] = ["billing-app"] }, AllowAnonymous: false);
        await using var env = await StartAsync(o =>
        {
            o.Config = e => DashboardConfigs.WithSecrets(e.Idp.Url, e.Upstream.Url).Replace("\"TokenProviders\": {", $$"""
                "TokenProviders": {
                  "kp-billing": { "Type": "IamApiKey", "ApiKey": "{{DashboardConfigs.ApiKey}}", "TokenUrl": "{{e.Idp.Url}}/identity/token" },
                """, StringComparison.Ordinal);
            o.ConfigureProxy = builder => builder.Services.AddSingleton<AuthProxy.Admin.IInboundViewSource>(new FixedInboundView(view));
        });
        await using var dashboard = await DashboardPage.OpenAsync(chromium, env.Proxy.Url);

        await Assertions.Expect(dashboard.Page.Locator("#routes-table tbody tr[data-key='kms'] [data-label='Per-client overrides']"))
            .ToHaveTextAsync("billing-app → kp-billing");
        await Assertions.Expect(dashboard.ProviderRow("kp-billing").Locator("[data-label='Mapped clients']")).ToHaveTextAsync("billing-app");
        await Assertions.Expect(dashboard.Page.Locator("#routes-table tbody tr[data-key='kms'] [data-label='Authorization']"))
            .ToHaveTextAsync("kms-clients: billing-app");
        Assert.Empty(dashboard.Errors);
    }

    /// <summary>
    /// The sandbox's own configuration against the emulators, as an operator sees it after a bad afternoon: tokens in
    /// use, SKLM's OIDC endpoint down (503, asking for 45 s), a rejected edit. Saved as <c>screenshots/dashboard.png</c>;
    /// with <c>AUTHPROXY_UPDATE_SCREENSHOTS=1</c> also as the README's <c>docs/images/dashboard.png</c>.
    /// </summary>
    [BrowserFact]
    public async Task Sandbox_AfterAnOutageAndABadEdit_ShowsBoth_AndTheScreenshotIsTaken()
    {
        using var cts = TestTimeouts.Cts();
        var shipped = await File.ReadAllTextAsync(Sandbox.ConfigFiles.Path("authproxy.json"), cts.Token);
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Sandbox = true;
            o.MinimumLevel = LogLevel.Information;
            o.Config = e => SandboxConfig(shipped, e.Sandbox);
        });
        var client = ClientOf(env);
        foreach (var path in new[] { "/kms/api/v2/keys", "/watsonx/ml/v4/deployments?version=2024-05-01", "/watsonx-zen/ml/v4/deployments?version=2024-05-01", "/sklm/SKLM/rest/v1/ckms/keys" })
        {
            using var response = await client.GetAsync(path, cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        env.Sandbox.Sklm.BeforeToken = async context =>
        {
            if (context.Request.Path != AuthProxy.Sandbox.Sklm.SklmEmulator.AccessTokenPath)
            {
                return false;
            }

            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "45";
            await context.Response.WriteAsJsonAsync(new { code = "CTGKM0503E", message = "The OIDC provider is not available." }, cts.Token);
            return true;
        };
        using (var failed = await client.GetAsync("/sklm-oidc/SKLM/rest/v1/ckms/keys", cts.Token))
        {
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, SandboxConfig(shipped, env.Sandbox).Replace("{ \"AuthToken\": \"kp\" }", "{ \"AuthToken\": \"kp-prod\" }"), cts.Token);
        await using var dashboard = await DashboardPage.OpenAsync(chromium, env.Proxy.Url);
        await Assertions.Expect(dashboard.Page.Locator("#rejected-edit")).ToContainTextAsync("ReverseProxy:Routes:kms:Transforms:1:AuthToken", WithinReload);
        await Assertions.Expect(dashboard.ProviderRow("sklm-oidc").Locator(".state-backoff")).ToBeVisibleAsync();
        await Assertions.Expect(dashboard.ProviderRow("kp").Locator(".state-valid")).ToBeVisibleAsync();
        await Assertions.Expect(dashboard.ProviderRow("zen")).ToContainTextAsync("never");

        var screenshot = await dashboard.ScreenshotAsync("dashboard.png");
        output.WriteLine($"screenshot: {screenshot}");
        if (Environment.GetEnvironmentVariable("AUTHPROXY_UPDATE_SCREENSHOTS") is "1" or "true")
        {
            var readme = ShippedConfigs.FullPath("docs/images/dashboard.png");
            Directory.CreateDirectory(Path.GetDirectoryName(readme)!);
            File.Copy(screenshot, readme, overwrite: true);
            output.WriteLine($"copied to {readme}");
        }

        var page = await dashboard.DomAndTextAsync();
        string[] secrets = [AuthProxy.Sandbox.Hosting.SandboxDefaults.ApiKey, AuthProxy.Sandbox.Hosting.SandboxDefaults.CloudPakApiKey,
            AuthProxy.Sandbox.Hosting.SandboxDefaults.CloudPakPassword, AuthProxy.Sandbox.Hosting.SandboxDefaults.SklmPassword, DashboardConfigs.ClientKey,
            .. env.Sandbox.Tokens.Snapshot().Select(t => t.Value)];
        foreach (var secret in secrets)
        {
            Assert.False(page.Contains(secret, StringComparison.Ordinal), $"the page contains a secret ({secret[..4]}…)");
        }

        Assert.Empty(dashboard.Errors);
    }

    /// <summary>The shipped configuration pointed at the emulators, with an inbound client and a policy on the Key Protect route.</summary>
    private static string SandboxConfig(string shipped, AuthProxy.Sandbox.Hosting.SandboxEmulators sandbox) => shipped
        .Replace($"http://127.0.0.1:{AuthProxy.Sandbox.Hosting.SandboxDefaults.IamPort}", sandbox.Iam.Url, StringComparison.Ordinal)
        .Replace($"http://127.0.0.1:{AuthProxy.Sandbox.Hosting.SandboxDefaults.KeyProtectPort}", sandbox.KeyProtect.Url, StringComparison.Ordinal)
        .Replace($"http://127.0.0.1:{AuthProxy.Sandbox.Hosting.SandboxDefaults.CloudPakPort}", sandbox.CloudPak.Url, StringComparison.Ordinal)
        .Replace($"http://127.0.0.1:{AuthProxy.Sandbox.Hosting.SandboxDefaults.SklmPort}", sandbox.Sklm.Url, StringComparison.Ordinal)
        .Replace("\"TokenProviders\": {", $$"""
            "InboundAuth": {
              "Clients": { "billing-app": { "ApiKey": "{{DashboardConfigs.ClientKey}}" }, "batch-jobs": { "ApiKey": "{{DashboardConfigs.ClientKey}}-2" } },
              "Policies": { "kms-clients": [ "billing-app", "batch-jobs" ] }
            },
            "TokenProviders": {
            """, StringComparison.Ordinal)
        .Replace("\"ClusterId\": \"keyprotect\",", "\"ClusterId\": \"keyprotect\", \"AuthorizationPolicy\": \"kms-clients\",", StringComparison.Ordinal);

    private Task<TestEnvironment> StartAsync(Action<TestEnvironmentOptions>? configure = null) =>
        TestEnvironment.StartAsync(output, o =>
        {
            o.Idp = DashboardConfigs.Iam();
            o.Config = e => DashboardConfigs.WithSecrets(e.Idp.Url, e.Upstream.Url);
            o.MinimumLevel = LogLevel.Information;
            configure?.Invoke(o);
        });

    private static HttpClient ClientOf(TestEnvironment env)
    {
        var client = env.Client;
        if (!client.DefaultRequestHeaders.Contains("X-API-Key"))
        {
            client.DefaultRequestHeaders.Add("X-API-Key", DashboardConfigs.ClientKey);
        }

        return client;
    }

    private static async Task RequestAsync(TestEnvironment env, string path)
    {
        using var response = await ClientOf(env).GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private sealed class FixedInboundView(AuthProxy.Admin.InboundView view) : AuthProxy.Admin.IInboundViewSource
    {
        public AuthProxy.Admin.InboundView Current() => view;
    }
}
