using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Checks the TLS client certificate of the request's connection against the pinned clients (README "Clients with a TLS
/// certificate"): the SHA-256 of the DER certificate names the client — the pin is the trust, no chain is built — and
/// the certificate must be within its validity period. A certificate that matches no client is no credential.
/// </summary>
internal static class InboundCertificateCheck
{
    public static InboundCheckResult Check(InboundClientSet clients, X509Certificate2? certificate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(clients);
        if (certificate is null || !clients.HasCertificateClients)
        {
            return InboundCheckResult.NoCredential;
        }

        Span<byte> digest = stackalloc byte[InboundCredentials.DigestLength];
        SHA256.HashData(certificate.RawDataMemory.Span, digest);
        if (clients.FindByCertificate(digest) is not { } client)
        {
            return InboundCheckResult.NoCredential;
        }

        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            return InboundCheckResult.Refused(InboundCredentialKind.Certificate,
                $"the client certificate pinned for '{client.Name}' is outside its validity period");
        }

        return new InboundCheckResult(InboundCredentialKind.Certificate, client, null);
    }

    /// <summary>
    /// Kestrel checks a client certificate's chain before the request is seen, and refuses the handshake when it does not
    /// chain to a trusted root; a pinned certificate needs no chain, so the handshake accepts any certificate and
    /// <see cref="Check"/> decides (by pin and validity) — a certificate that pins no client authenticates nothing.
    /// </summary>
    public static void AcceptForPinning(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        kestrel.ConfigureHttpsDefaults(https => https.ClientCertificateValidation = static (_, _, _) => true);
    }
}
