using AuthProxy.Tokens;

namespace AuthProxy.InboundAuth;

/// <summary>
/// A configured inbound client: its name and its one credential — the SHA-256 digest of its key, the JWT issuer and
/// subject it is known by, or the SHA-256 of its TLS certificate — and, optionally, its own token providers. Keys are
/// not kept, only their digests.
/// </summary>
internal sealed class InboundClient
{
    /// <summary>A client known by an API key (<c>ApiKey</c>, <c>ApiKeyFile</c>, <c>ApiKeySha256</c>).</summary>
    public InboundClient(string name, byte[] keyDigest, ClientProviderMap? providers = null)
        : this(name, InboundCredentialKind.ApiKey, providers)
    {
        ArgumentNullException.ThrowIfNull(keyDigest);
        if (keyDigest.Length != InboundCredentials.DigestLength)
        {
            throw new ArgumentException("A key digest is 32 bytes (SHA-256).", nameof(keyDigest));
        }

        KeyDigest = keyDigest;
    }

    private InboundClient(string name, InboundCredentialKind kind, ClientProviderMap? providers)
    {
        Name = name;
        Kind = kind;
        Providers = providers;
    }

    /// <summary>The client name as written under <c>InboundAuth:Clients</c>.</summary>
    public string Name { get; }

    /// <summary>Which credential the client presents: <see cref="InboundCredentialKind.ApiKey"/> (X-API-Key or Basic), Jwt or Certificate.</summary>
    public InboundCredentialKind Kind { get; }

    /// <summary>SHA-256 of the client's key (UTF-8); null for a JWT or certificate client.</summary>
    public byte[]? KeyDigest { get; private init; }

    /// <summary>The <c>InboundAuth:JwtIssuers</c> entry a JWT client's tokens come from.</summary>
    public string? JwtIssuer { get; private init; }

    /// <summary>The <c>sub</c> claim of a JWT client's tokens (exact match).</summary>
    public string? JwtSubject { get; private init; }

    /// <summary>SHA-256 of a certificate client's DER certificate.</summary>
    public byte[]? CertificateDigest { get; private init; }

    /// <summary>The client's own token providers, or null when it uses the routes' providers.</summary>
    public ClientProviderMap? Providers { get; }

    /// <summary>A client known by JWTs of <paramref name="issuer"/> whose <c>sub</c> is <paramref name="subject"/>.</summary>
    public static InboundClient ForJwt(string name, string issuer, string subject, ClientProviderMap? providers = null) =>
        new(name, InboundCredentialKind.Jwt, providers) { JwtIssuer = issuer, JwtSubject = subject };

    /// <summary>A client known by the TLS certificate whose DER SHA-256 is <paramref name="digest"/>.</summary>
    public static InboundClient ForCertificate(string name, byte[] digest, ClientProviderMap? providers = null) =>
        new(name, InboundCredentialKind.Certificate, providers) { CertificateDigest = digest };

    /// <summary>Only the name: the digest is not for logs either.</summary>
    public override string ToString() => Name;
}
