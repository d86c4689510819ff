using AuthProxy.Tests.Infrastructure;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AuthProxy.Tests.Tokens;

/// <summary>
/// A private CA and a server certificate it signed for 127.0.0.1/localhost, made fresh for the test run,
/// plus an unrelated CA. The CAs are exported as PEM files for <c>CaCertificateFile</c>.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly TempDirectory _files = new();

    public TestCertificates()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Ca = CreateCa("CN=AuthProxy Test CA", caKey, now);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherCa = CreateCa("CN=AuthProxy Unrelated CA", otherKey, now);

        Server = CreateServerCertificate(Ca, "localhost", IPAddress.Loopback, now);
        WrongName = CreateServerCertificate(Ca, "other.example", null, now);
        CaPemFile = _files.Write("ca.pem", Ca.ExportCertificatePem());
        UnrelatedCaPemFile = _files.Write("other-ca.pem", otherCa.ExportCertificatePem());
    }

    public X509Certificate2 Ca { get; }

    /// <summary>The server certificate (with its private key), issued by <see cref="Ca"/>.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>A server certificate issued by <see cref="Ca"/> for another host name only.</summary>
    public X509Certificate2 WrongName { get; }

    public string CaPemFile { get; }

    public string UnrelatedCaPemFile { get; }

    public void Dispose()
    {
        Server.Dispose();
        WrongName.Dispose();
        Ca.Dispose();
        _files.Dispose();
    }

    private static X509Certificate2 CreateServerCertificate(X509Certificate2 ca, string dnsName, IPAddress? address, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + dnsName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        if (address is not null)
        {
            san.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(ca, now.AddDays(-1), now.AddDays(7), serial);
        using var withKey = issued.CopyWithPrivateKey(key);

        // Round-trip through PKCS#12 so the key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 CreateCa(string subject, ECDsa key, DateTimeOffset now)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
    }
}
