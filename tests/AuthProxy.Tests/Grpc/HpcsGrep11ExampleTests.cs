using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Grep11.Protocol;
using AuthProxy.Tests.Configuration;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tests.Tokens;
using Grpc.Core;
using Grpc.Net.Client;

namespace AuthProxy.Tests.Grpc;

/// <summary>
/// <c>config/examples/hpcs-grep11.json</c> as shipped, with only what this machine needs changed (loopback ports, the
/// test certificate, a fake IAM, a TLS gRPC server standing in for HPCS, the client key file): a GREP11 call through
/// its TLS listener and its h2c listener carries the IAM token and the instance id, and needs the client key.
/// </summary>
public sealed class HpcsGrep11ExampleTests(ITestOutputHelper output)
{
    private const string ClientKey = "crypto-app-key-0123456789";

    [Fact]
    public async Task ShippedExample_ServesGrep11OverTlsAndH2c_WithTheIamTokenAndInstance()
    {
        using var certificates = new TestCertificates();
        using var files = new TempDirectory();
        await using var iam = await FakeServer.StartAsync(FakeIam.Tokens());
        await using var hpcs = await GrpcUpstream.StartAsync(certificates.Server);
        var json = ShippedConfigs.Parse("config/examples/hpcs-grep11.json");
        var endpoints = json["Kestrel"]!["Endpoints"]!;
        endpoints["grpc-tls"]!["Url"] = "https://127.0.0.1:0";
        endpoints["grpc-tls"]!["Certificate"] = new JsonObject
        {
            ["Path"] = files.Write("tls.crt", certificates.Server.ExportCertificatePem()),
            ["KeyPath"] = files.Write("tls.key", certificates.Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()),
        };
        endpoints["grpc-local"]!["Url"] = "http://127.0.0.2:0";
        json["TokenProviders"]!["hpcs"]!["TokenUrl"] = iam.Url + "/identity/token";
        json["TokenProviders"]!["hpcs"]!["ApiKey"] = Configs.ApiKey;
        json["InboundAuth"]!["Clients"]!["crypto-app"]!["ApiKeyFile"] = files.Write("crypto-app-key", ClientKey + "\n");
        var cluster = json["ReverseProxy"]!["Clusters"]!["grep11"]!;
        cluster["Destinations"]!["us-south"]!["Address"] = hpcs.Url + "/";
        cluster["HttpClient"] = new JsonObject { ["DangerousAcceptAnyServerCertificate"] = true }; // the test CA is not trusted
        await using var proxy = await ProxyHost.StartAsync(json.ToJsonString(), output);
        var tlsUrl = proxy.Urls.Single(u => u.StartsWith("https://127.0.0.1:", StringComparison.Ordinal));
        var h2cUrl = proxy.Urls.Single(u => u.StartsWith("http://127.0.0.2:", StringComparison.Ordinal));
        using var tls = Channel(tlsUrl, certificates.Ca);
        using var h2c = Channel(h2cUrl, null);
        var withKey = new CallOptions(new Metadata { { "x-api-key", ClientKey } }, DateTime.UtcNow + TestTimeouts.Default);

        var overTls = await new Crypto.CryptoClient(tls).GenerateRandomAsync(new GenerateRandomRequest { Len = 32 }, withKey);
        var overH2c = await new Crypto.CryptoClient(h2c).GenerateRandomAsync(new GenerateRandomRequest { Len = 8 }, withKey);
        var noKey = await Assert.ThrowsAsync<RpcException>(() =>
            new Crypto.CryptoClient(tls).GenerateRandomAsync(new GenerateRandomRequest { Len = 8 }, deadline: DateTime.UtcNow + TestTimeouts.Default).ResponseAsync);

        Assert.Equal(32, overTls.Rnd.Length);
        Assert.Equal(8, overH2c.Rnd.Length);
        Assert.Equal(StatusCode.Unauthenticated, noKey.StatusCode);
        Assert.Equal(2, hpcs.Calls);
        Assert.All(hpcs.Headers, h =>
        {
            Assert.Equal("Bearer tok-1", h["authorization"]);
            Assert.Equal("00000000-0000-0000-0000-000000000000", h["bluemix-instance"]);
            Assert.False(h.ContainsKey("x-api-key"));
        });
    }

    private static GrpcChannel Channel(string url, X509Certificate2? ca)
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        if (ca is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(new X509Certificate2(certificate));
            };
        }

        return GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}
