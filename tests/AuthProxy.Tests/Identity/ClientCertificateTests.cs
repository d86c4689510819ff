using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Identity;

/// <summary>Clients pinned by the SHA-256 of their TLS certificate on an https listener that asks for one (README "Clients with a TLS certificate").</summary>
public sealed class ClientCertificateTests(ITestOutputHelper output)
{
    private const string ClientKey = "cert-test-client-key";

    [Fact]
    public async Task PinnedCertificate_Authenticates_UnknownOrNone_Get401_UnknownWithAKey_UsesTheKey()
    {
        using var pinned = SelfSigned("CN=appliance", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var unknown = SelfSigned("CN=stranger", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var expired = SelfSigned("CN=old-appliance", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
        using var server = SelfSigned("CN=localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        await using var env = await TestEnvironment.StartAsync(output, o => o.Config = e => Config(e, server,
            Convert.ToHexString(SHA256.HashData(pinned.RawData)), string.Join(':', Convert.ToHexString(SHA256.HashData(expired.RawData)).Chunk(2).Select(c => new string(c)))));

        Assert.Equal(HttpStatusCode.OK, await GetAsync(env, pinned));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(env, unknown));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(env, null));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(env, expired));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(env, unknown, ClientKey));
        Assert.Equal(2, env.Upstream.RequestCount);
        Assert.All(env.Upstream.Requests, r => Assert.StartsWith("Bearer tok-", r.Header("Authorization"), StringComparison.Ordinal));
        Assert.Contains(env.Proxy.Logs, l => l.Contains("Inbound client 'appliance' authenticated with client certificate", StringComparison.Ordinal));
        Assert.Contains(env.Proxy.Logs, l => l.Contains("outside its validity period", StringComparison.Ordinal));
    }

    private static async Task<HttpStatusCode> GetAsync(TestEnvironment env, X509Certificate2? certificate, string? key = null)
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        if (certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [certificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }

        using var client = new HttpClient(handler) { BaseAddress = new Uri(env.Proxy.Url), Timeout = TestTimeouts.Default };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/kms/api/v2/keys");
        if (key is not null)
        {
            request.Headers.Add("X-API-Key", key);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static string Config(TestEnvironment env, X509Certificate2 server, string pinnedHex, string expiredHexWithColons)
    {
        var cert = env.Files.Write("server.crt", server.ExportCertificatePem());
        var key = env.Files.Write("server.key", server.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var json = Configs.Kms(env.Idp.Url, env.Upstream.Url);
        return json.Replace("\"TokenProviders\": {", $$"""
            "Kestrel": { "Endpoints": { "https": { "Url": "https://127.0.0.1:0", "ClientCertificateMode": "AllowCertificate",
              "Certificate": { "Path": "{{cert}}", "KeyPath": "{{key}}" } } } },
            "InboundAuth": { "Clients": {
              "appliance": { "CertificateSha256": "{{pinnedHex.ToLowerInvariant()}}" },
              "old-appliance": { "CertificateSha256": "{{expiredHexWithColons}}" },
              "batch": { "ApiKey": "{{ClientKey}}" } } },
            "TokenProviders": {
            """, StringComparison.Ordinal);
    }

    private static X509Certificate2 SelfSigned(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2"), new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(notBefore, notAfter);
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
