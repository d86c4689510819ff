using AuthProxy.Hosting;
using AuthProxy.Tests.InboundAuth;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Grpc;

/// <summary>
/// docs/protocols.md and README "Securing the proxy": HTTP/2 listeners are configured the ASP.NET Core way, and the listener safety rule applies to
/// them as to any other — checked by <c>validate</c>, which binds nothing.
/// </summary>
public sealed class Http2ListenerTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("http://0.0.0.0:8081")]
    [InlineData("http://[::]:8081")]
    [InlineData("http://*:8081")]
    public void Validate_AnonymousProxyWithAnH2cListenerBeyondLoopback_IsRefused(string url)
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());

        var (code, stdout, stderr) = Run("--config", config, "--Kestrel:Endpoints:grpc:Url", url, "--Kestrel:Endpoints:grpc:Protocols", "Http2");

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("InboundAuth:Clients: no inbound clients are configured", line);
        Assert.Contains($"'{url}'", line);
    }

    [Fact]
    public void Validate_H2cListenerInTheFile_CountsForTheListenerRule_AndClientsLiftIt()
    {
        const string listener = """, "Kestrel": { "Endpoints": { "grpc": { "Url": "http://0.0.0.0:8081", "Protocols": "Http2" } } } }""";
        var anonymous = _folder.Write("anonymous.json", InboundConfigs.Minimal().TrimEnd().TrimEnd('}') + listener);
        var withClients = _folder.Write("clients.json",
            InboundConfigs.Minimal($$"""{ "Clients": { "app": { "ApiKey": "{{InboundConfigs.BillingKey}}" } } }""").TrimEnd().TrimEnd('}') + listener);

        var refused = Run("--config", anonymous);
        var accepted = Run("--config", withClients);

        Assert.Equal(1, refused.Code);
        Assert.Contains("'http://0.0.0.0:8081'", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, accepted.Code);
        Assert.Equal($"OK: {withClients}", accepted.Stdout.Trim());
    }

    [Fact]
    public void Validate_LoopbackH2cAndTlsListeners_AreFine()
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());

        var (code, stdout, _) = Run("--config", config,
            "--Kestrel:Endpoints:grpc:Url", "http://127.0.0.1:8081", "--Kestrel:Endpoints:grpc:Protocols", "Http2",
            "--Kestrel:Endpoints:tls:Url", "https://127.0.0.1:8443", "--Kestrel:Endpoints:tls:Protocols", "Http1AndHttp2");

        Assert.Equal(0, code);
        Assert.StartsWith("OK: ", stdout, StringComparison.Ordinal);
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ValidateCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
