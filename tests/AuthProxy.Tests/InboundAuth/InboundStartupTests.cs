using AuthProxy.Configuration;
using AuthProxy.Hosting;
using AuthProxy.InboundAuth;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.InboundAuth;

/// <summary>
/// Secure by default: no anonymous proxy on a non-loopback listener. Build only checks and never binds, so these
/// tests name public addresses without listening on them.
/// </summary>
public sealed class InboundStartupTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("--urls", "http://0.0.0.0:0")]
    [InlineData("--urls", "http://[::]:0")]
    [InlineData("--urls", "http://*:0")]
    [InlineData("--urls", "http://+:0")]
    [InlineData("--urls", "http://proxy.example.com:0")]
    [InlineData("--urls", "http://10.1.2.3:0")]
    [InlineData("--urls", "http://127.0.0.1:0;http://0.0.0.0:0")]
    [InlineData("--Kestrel:Endpoints:public:Url", "http://0.0.0.0:0")]
    [InlineData("--http_ports", "8080")]
    public void Build_NonLoopbackListenerWithoutClients_IsRefusedWithHowToFixIt(string option, string value)
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());

        var error = Assert.Throws<ConfigurationProblemsException>(() => AuthProxyApp.Build(["--config", config, option, value]));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("InboundAuth:Clients", problem.Path);
        Assert.Contains("InboundAuth:Clients", problem.Reason);
        Assert.Contains("127.0.0.1", problem.Reason);
        Assert.Contains("InboundAuth:AllowAnonymous", problem.Reason);
    }

    [Fact]
    public async Task Process_NonLoopbackAspNetCoreUrlsWithoutClients_ExitsWithCode1AndSaysHowToFixIt()
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());

        // A documentation address (TEST-NET-1) that is on no interface here: even if the check were missing,
        // nothing could be bound, and the test would fail on the message instead.
        await using var process = ProxyProcess.Start(ProxyProcess.DotnetHost,
            [Path.Combine(AppContext.BaseDirectory, "AuthProxy.dll"), "--config", config],
            new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = "http://192.0.2.1:0" });
        await process.WaitForExitAsync(TestTimeouts.Default);

        var error = process.StandardError;
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("is invalid:", error);
        Assert.Contains("  InboundAuth:Clients: no inbound clients are configured", error);
        Assert.Contains("http://192.0.2.1:0", error);
        Assert.Contains("AllowAnonymous", error);
    }

    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://localhost:0")]
    [InlineData("http://[::1]:0")]
    [InlineData("")]
    public async Task Build_LoopbackListenerWithoutClients_IsAllowed(string urls)
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());
        string[] args = urls.Length == 0 ? ["--config", config] : ["--config", config, "--urls", urls];

        await using var app = AuthProxyApp.Build(args);
    }

    [Fact]
    public async Task Build_NonLoopbackListenerWithAllowAnonymousInTheFile_IsAllowed()
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal("""{ "AllowAnonymous": true }"""));

        await using var app = AuthProxyApp.Build(["--config", config, "--urls", "http://0.0.0.0:0"]);
    }

    [Fact]
    public async Task Build_NonLoopbackListenerWithAllowAnonymousOnTheCommandLine_IsAllowed()
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());

        await using var app = AuthProxyApp.Build(["--config", config, "--urls", "http://0.0.0.0:0", "--InboundAuth:AllowAnonymous", "true"]);
    }

    [Fact]
    public async Task Build_NonLoopbackListenerWithClients_IsAllowed()
    {
        var config = _folder.Write("authproxy.json",
            InboundConfigs.Minimal($$"""{ "Clients": { "billing-app": { "ApiKey": "{{InboundConfigs.BillingKey}}" } } }"""));

        await using var app = AuthProxyApp.Build(["--config", config, "--urls", "http://0.0.0.0:0"]);
    }

    [Fact]
    public void Build_InvalidInboundSectionOnTheCommandLine_IsRefused()
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());

        var error = Assert.Throws<ConfigurationProblemsException>(() =>
            AuthProxyApp.Build(["--config", config, "--urls", "http://127.0.0.1:0", "--InboundAuth:Clients:x:ApiKeySha256", "abc"]));

        Assert.Equal("InboundAuth:Clients:x:ApiKeySha256", Assert.Single(error.Problems).Path);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("https://127.10.20.30:8443", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://LOCALHOST:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://unix:/run/authproxy.sock", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://my-host:8080", false)]
    [InlineData("http://app.localhost:8080", false)]
    [InlineData("http://192.168.1.10:8080", false)]
    [InlineData("http://[fe80::1]:8080", false)]
    public void IsLoopback_ClassifiesListenerUrls(string url, bool loopback)
    {
        Assert.Equal(loopback, InboundListenerGuard.IsLoopback(url));
    }

    [Fact]
    public void NonLoopbackListeners_PortsCountOnlyWithoutUrls_AsInAspNetCore()
    {
        // ASPNETCORE_URLS / --urls land in "urls"; ASPNETCORE_HTTP_PORTS (set by the official images) in "http_ports".
        var portsOnly = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["http_ports"] = "8080" }).Build();
        var urlsWin = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["http_ports"] = "8080",
            ["urls"] = "http://127.0.0.1:8080",
        }).Build();

        Assert.Equal(["http://*:8080"], InboundListenerGuard.NonLoopbackListeners(portsOnly));
        Assert.Empty(InboundListenerGuard.NonLoopbackListeners(urlsWin));
    }
}
