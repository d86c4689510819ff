using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AuthProxy.Admin;
using AuthProxy.Hosting;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Admin;

/// <summary>README "Dashboard": the dashboard is served by the proxy itself, to this host only, and loads nothing from elsewhere.</summary>
public sealed partial class DashboardEndpointTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Files => new()
    {
        { "/_authproxy/", "text/html" },
        { "/_authproxy", "text/html" },
        { "/_authproxy/dashboard.js", "text/javascript" },
        { "/_authproxy/dashboard.css", "text/css" },
        { "/_authproxy/favicon.svg", "image/svg+xml" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task EveryFile_IsServedWithItsType_AndTheAdminSecurityHeaders_WithoutAClientKey(string path, string mediaType)
    {
        // Inbound clients make every other path need a key; the admin endpoints do not.
        await using var env = await TestEnvironment.StartAsync(output, o => o.Config = e => DashboardConfigs.WithSecrets(e.Idp.Url, e.Upstream.Url));

        using var response = await env.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(AdminResponse.ContentSecurityPolicy, string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Contains("default-src 'self'", AdminResponse.ContentSecurityPolicy);
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, env.Upstream.RequestCount);
    }

    [Fact]
    public async Task Page_ReferencesOnlyItsOwnFiles_AndNoExternalAddress()
    {
        await using var env = await TestEnvironment.StartAsync(output);
        var client = env.Client;
        var html = await client.GetStringAsync("/_authproxy/");
        var script = await client.GetStringAsync("/_authproxy/dashboard.js");
        var style = await client.GetStringAsync("/_authproxy/dashboard.css");

        var references = Reference().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.Equal(["/_authproxy/favicon.svg", "/_authproxy/dashboard.css", "/_authproxy/dashboard.js", "/_authproxy/favicon.svg", "/_authproxy/status", "/_authproxy/status"],
            references.Where(r => !r.StartsWith('#')));
        foreach (var reference in references.Where(r => !r.StartsWith('#')))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(reference)).StatusCode);
        }

        // The one absolute URL anywhere is SVG's XML namespace, which is a name, not a request.
        foreach (var text in new[] { html, script, style })
        {
            Assert.All(AbsoluteUrl().Matches(text), m => Assert.Equal("http://www.w3.org/2000/svg", m.Value));
            Assert.DoesNotContain("@import", text);
            Assert.DoesNotContain("url(", text);
        }

        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("style=", html);
        Assert.DoesNotContain("innerHTML", script);
        Assert.DoesNotContain("eval(", script);
    }

    [Fact]
    public async Task Dashboard_WinsOverACatchAllRoute()
    {
        await using var env = await TestEnvironment.StartAsync(output, o => o.Config = e =>
            Configs.Kms(e.Idp.Url, e.Upstream.Url).Replace("/kms/{**rest}", "/{**catch-all}"));

        using var page = await env.Client.GetAsync("/_authproxy/");
        using var script = await env.Client.GetAsync("/_authproxy/dashboard.js");
        using var other = await env.Client.GetAsync("/_authproxy/other");

        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, env.Upstream.RequestCount); // only /_authproxy/other, which is no admin endpoint, went upstream
    }

    [Fact]
    public async Task Dashboard_ThroughARouteWhoseDestinationIsTheProxyItself_Is404()
    {
        var port = FreePort();
        await using var iam = await FakeServer.StartAsync(FakeIam.Tokens());
        await using var proxy = await ProxyHost.StartAsync(Configs.Kms(iam.Url, $"http://127.0.0.1:{port}"), output, extraArgs: ["--urls", $"http://127.0.0.1:{port}"]);
        using var client = proxy.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/_authproxy/")).StatusCode);

        foreach (var path in new[] { "/kms/_authproxy/", "/kms/_authproxy/dashboard.js" })
        {
            using var looped = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, looped.StatusCode);
            Assert.DoesNotContain("AuthProxy", await looped.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task AdminUrls_ServeTheDashboardThereOnly_AndTheSandboxPrintsThatAddress()
    {
        var adminPort = FreePort();
        await using var iam = await FakeServer.StartAsync(FakeIam.Tokens());
        await using var proxy = await ProxyHost.StartAsync(Configs.Kms(iam.Url, iam.Url), output, extraArgs: ["--Admin:Urls", $"http://127.0.0.1:{adminPort}"]);
        using var main = proxy.CreateClient();
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TestTimeouts.Default };

        Assert.Equal(HttpStatusCode.NotFound, (await main.GetAsync("/_authproxy/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/_authproxy/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/_authproxy/dashboard.js")).StatusCode);
        Assert.Equal($"http://127.0.0.1:{adminPort}/_authproxy/", AuthProxyApp.DashboardUrl(proxy.App, proxy.Url));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/_authproxy/")]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080/_authproxy/")]
    [InlineData("http://[::]:8080", "http://[::1]:8080/_authproxy/")]
    [InlineData("https://localhost:8443/", "https://localhost:8443/_authproxy/")]
    public async Task DashboardUrl_IsOnTheListener_WithWildcardsMadeLoopback(string listener, string expected)
    {
        await using var iam = await FakeServer.StartAsync(FakeIam.Tokens());
        await using var proxy = await ProxyHost.StartAsync(Configs.Kms(iam.Url, iam.Url), output);

        Assert.Equal(expected, AuthProxyApp.DashboardUrl(proxy.App, listener));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [GeneratedRegex("""(?:href|src)="(?<url>[^"]+)"\s*""")]
    private static partial Regex Reference();

    [GeneratedRegex("""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"')]*""")]
    private static partial Regex AbsoluteUrl();
}
