using System.Net;
using System.Net.Sockets;
using AuthProxy.Admin;
using AuthProxy.Configuration;
using AuthProxy.Http;
using AuthProxy.Tests.Infrastructure;
using Microsoft.AspNetCore.HttpOverrides;

namespace AuthProxy.Tests.Admin;

/// <summary>
/// The admin endpoints are for this host only: judged by the TCP connection itself, never by forwarded headers, and
/// never for a request that came through one of the proxy's own routes.
/// </summary>
public sealed class AdminAccessTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", null, true)]
    [InlineData("::1", "::1", null, true)]
    [InlineData("::ffff:127.0.0.1", "::ffff:127.0.0.1", null, true)]
    [InlineData("10.0.0.5", "10.0.0.4", null, false)]
    // What ASPNETCORE_FORWARDEDHEADERS_ENABLED makes of "X-Forwarded-For: 127.0.0.1" from outside: the connection info
    // says loopback (set below), the connection itself does not.
    [InlineData("10.0.0.5", "127.0.0.1", null, false)]
    [InlineData("127.0.0.1", "10.0.0.4", null, false)]
    [InlineData("127.0.0.1", "127.0.0.1", "1.1 authproxy", false)]
    [InlineData("127.0.0.1", "127.0.0.1", "1.1 squid, 2 AuthProxy", false)]
    [InlineData("127.0.0.1", "127.0.0.1", "1.1 squid", true)]
    public void Allows_JudgesTheConnectionAndTheVia(string remote, string local, string? via, bool allowed)
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new ConnectionOrigin(new IPEndPoint(IPAddress.Parse(remote), 50000), new IPEndPoint(IPAddress.Parse(local), 8080)));
        context.Connection.RemoteIpAddress = IPAddress.Loopback; // as rewritten by forwarded headers: must not matter
        if (via is not null)
        {
            context.Request.Headers.Via = via;
        }

        Assert.Equal(allowed, new AdminAccess(AdminOptions.Default).Allows(context));
    }

    [Fact]
    public void Allows_UnixDomainSocket_IsLocal()
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new ConnectionOrigin(new UnixDomainSocketEndPoint("/tmp/x.sock"), new UnixDomainSocketEndPoint("/tmp/x.sock")));

        Assert.True(new AdminAccess(AdminOptions.Default).Allows(context));
    }

    [Fact]
    public async Task Status_WithForwardedHeadersClaimingAnotherAddress_IsStillJudgedByTheConnection()
    {
        // What ASPNETCORE_FORWARDEDHEADERS_ENABLED=true installs: forwarded headers trusted from anyone.
        await using var env = await TestEnvironment.StartAsync(output, o => o.ConfigureProxy = builder =>
            builder.Services.AddTransient<IStartupFilter, TrustEveryForwarder>());
        var client = env.Client;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_authproxy/status");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Status_ThroughARouteWhoseDestinationIsTheProxyItself_Is404()
    {
        var port = FreePort();
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Config = e => Configs.Kms(e.Idp.Url, $"http://127.0.0.1:{port}");
            o.ProxyArgs.AddRange(["--urls", $"http://127.0.0.1:{port}"]);
        });
        var client = env.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/_authproxy/status")).StatusCode);

        using var looped = await client.GetAsync("/kms/_authproxy/status");

        Assert.Equal(HttpStatusCode.NotFound, looped.StatusCode);
        Assert.DoesNotContain("providers", await looped.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AdminUrls_ServeTheAdminEndpointsThereOnly_AndNothingElse()
    {
        var adminPort = FreePort();
        await using var env = await TestEnvironment.StartAsync(output, o => o.ProxyArgs.AddRange(["--Admin:Urls", $"http://127.0.0.1:{adminPort}"]));
        var main = env.Client;
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TestTimeouts.Default };

        Assert.Equal(HttpStatusCode.NotFound, (await main.GetAsync("/_authproxy/status")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await main.GetAsync("/kms/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/_authproxy/status")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/kms/keys")).StatusCode);
        Assert.Single(env.Upstream.Requests);
    }

    [Theory]
    [InlineData("http://0.0.0.0:9901")]
    [InlineData("http://10.1.2.3:9901")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("https://127.0.0.1:9901")]
    [InlineData("admin")]
    public void AdminUrls_BeyondLoopbackOrWithoutAFixedPort_AreRefused(string url)
    {
        var problems = new List<ConfigProblem>();
        AdminConfig.Read(new ConfigurationBuilder().AddInMemoryCollection([new("Admin:Urls", url)]).Build(), problems);

        Assert.Equal("Admin:Urls", Assert.Single(problems).Path);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private sealed class TrustEveryForwarder : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
            app.UseForwardedHeaders(options);
            next(app);
        };
    }
}
