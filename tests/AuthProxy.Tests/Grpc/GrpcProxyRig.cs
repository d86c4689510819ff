using System.Security.Cryptography.X509Certificates;
using AuthProxy.Tests.Grpc.Protocol;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tests.Tokens;
using Grpc.Net.Client;

namespace AuthProxy.Tests.Grpc;

/// <summary>
/// The rig of the gRPC tests: a fake IAM, a real gRPC upstream (<see cref="GrpcUpstream"/>), a plain HTTP upstream, and
/// the real proxy with an h2c listener — or a TLS listener (HTTP/1.1 and HTTP/2 by ALPN) — and an HTTP/1.1 listener,
/// all on loopback port 0. The h2c listener is on 127.0.0.1 and the HTTP/1.1 one on 127.0.0.2 so they can be told apart.
/// </summary>
public sealed class GrpcProxyRig : IAsyncDisposable
{
    private readonly TestCertificates? _certificates;

    private GrpcProxyRig(TestCertificates? certificates) => _certificates = certificates;

    public const string GrpcHost = "127.0.0.1";
    public const string Http1Host = "127.0.0.2";

    public FakeServer Iam { get; private set; } = null!;

    public GrpcUpstream Upstream { get; private set; } = null!;

    public FakeServer HttpUpstream { get; private set; } = null!;

    public ProxyHost Proxy { get; private set; } = null!;

    public TempDirectory Files { get; } = new();

    /// <summary>The listener gRPC clients use: h2c, or https with ALPN.</summary>
    public string GrpcUrl => Proxy.Urls.First(u => u.Contains("://" + GrpcHost + ":", StringComparison.Ordinal));

    /// <summary>The HTTP/1.1 listener.</summary>
    public string Http1Url => Proxy.Urls.First(u => u.Contains("://" + Http1Host + ":", StringComparison.Ordinal));

    /// <param name="output">The test's output, for the proxy's log.</param>
    /// <param name="tlsListener">The gRPC listener is https (Http1AndHttp2) instead of h2c.</param>
    /// <param name="tlsUpstream">The gRPC upstream is https; the cluster then sets no HTTP version (ALPN negotiates h2).</param>
    /// <param name="inboundAuth">An <c>InboundAuth</c> section, or null for none.</param>
    /// <param name="routeExtra">More properties of the gRPC route (e.g. <c>, "AuthorizationPolicy": "…"</c>).</param>
    /// <param name="idp">The fake IAM's handler (default: fresh tokens).</param>
    /// <param name="time">The proxy's clock.</param>
    public static async Task<GrpcProxyRig> StartAsync(ITestOutputHelper output, bool tlsListener = false, bool tlsUpstream = false,
        string? inboundAuth = null, string routeExtra = "", Func<HttpContext, RecordedRequest, Task>? idp = null, TimeProvider? time = null,
        string authTokenExtra = "")
    {
        var rig = new GrpcProxyRig(tlsListener || tlsUpstream ? new TestCertificates() : null);
        try
        {
            rig.Iam = await FakeServer.StartAsync(idp ?? FakeIam.Tokens());
            rig.Upstream = await GrpcUpstream.StartAsync(tlsUpstream ? rig._certificates!.Server : null);
            rig.HttpUpstream = await FakeServer.StartAsync();
            var grpcListener = tlsListener
                ? $$"""{ "Url": "https://{{GrpcHost}}:0", "Protocols": "Http1AndHttp2", "Certificate": { "Path": "{{rig.Files.Write("server.pem", rig._certificates!.Server.ExportCertificatePem())}}", "KeyPath": "{{rig.Files.Write("server.key", rig._certificates.Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem())}}" } }"""
                : $$"""{ "Url": "http://{{GrpcHost}}:0", "Protocols": "Http2" }""";
            var cluster = tlsUpstream
                ? $$"""{ "HttpClient": { "DangerousAcceptAnyServerCertificate": true }, "Destinations": { "d": { "Address": "{{rig.Upstream.Url}}/" } } }"""
                : $$"""{ "HttpRequest": { "Version": "2", "VersionPolicy": "RequestVersionExact" }, "Destinations": { "d": { "Address": "{{rig.Upstream.Url}}/" } } }""";
            var config = $$"""
            {
              "Kestrel": { "Endpoints": { "grpc": {{grpcListener}}, "http1": { "Url": "http://{{Http1Host}}:0", "Protocols": "Http1" } } },
              "TokenProviders": { "kp": { "Type": "IamApiKey", "ApiKey": "{{Configs.ApiKey}}", "TokenUrl": "{{rig.Iam.Url}}/identity/token" } },
              {{(inboundAuth is null ? "" : $"\"InboundAuth\": {inboundAuth},")}}
              "ReverseProxy": {
                "Routes": {
                  "echo": { "ClusterId": "echo", "Match": { "Path": "/authproxy.tests.Echo/{**method}" }, "Transforms": [ { "AuthToken": "kp"{{authTokenExtra}} } ]{{routeExtra}} },
                  "kms": { "ClusterId": "http", "Match": { "Path": "/kms/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/kms" }, { "AuthToken": "kp" } ]{{routeExtra}} }
                },
                "Clusters": {
                  "echo": {{cluster}},
                  "http": { "Destinations": { "d": { "Address": "{{rig.HttpUpstream.Url}}/" } } }
                }
              }
            }
            """;
            rig.Proxy = await ProxyHost.StartAsync(config, output, time);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>A gRPC channel to the proxy's gRPC listener (trusting the test CA on https).</summary>
    public GrpcChannel Channel()
    {
        var handler = new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true };
        if (_certificates is { } certificates)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(certificates.Ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(new X509Certificate2(certificate));
            };
        }

        return GrpcChannel.ForAddress(GrpcUrl, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            MaxSendMessageSize = 64 * 1024 * 1024,
            MaxRetryAttempts = null,
        });
    }

    public Echo.EchoClient Client(GrpcChannel channel) => new(channel);

    public async ValueTask DisposeAsync()
    {
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        if (Upstream is not null)
        {
            await Upstream.DisposeAsync();
        }

        if (HttpUpstream is not null)
        {
            await HttpUpstream.DisposeAsync();
        }

        if (Iam is not null)
        {
            await Iam.DisposeAsync();
        }

        _certificates?.Dispose();
        Files.Dispose();
    }
}
