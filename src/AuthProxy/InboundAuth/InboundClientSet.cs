using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authorization;

namespace AuthProxy.InboundAuth;

/// <summary>
/// One immutable, validated <c>InboundAuth</c> configuration: clients (names and key digests), policies and
/// <c>AllowAnonymous</c>. <see cref="InboundClientStore"/> swaps whole sets, so a request sees one consistent set.
/// </summary>
internal sealed class InboundClientSet
{
    /// <summary>No clients, no policies: the proxy is open (subject to the loopback rule).</summary>
    public static readonly InboundClientSet Empty = new([], new Dictionary<string, IReadOnlyList<string>>(), allowAnonymous: false);

    private static readonly FrozenDictionary<string, InboundClient> NoClients = FrozenDictionary<string, InboundClient>.Empty;

    private static readonly byte[] NoClientDigest = new byte[InboundCredentials.DigestLength];

    private readonly InboundClient[] _clients;
    private readonly InboundClient[] _keyClients;
    private readonly FrozenDictionary<string, InboundClient> _byName;
    private readonly FrozenDictionary<string, InboundClient> _byJwt;
    private readonly FrozenDictionary<string, InboundClient> _byCertificate;
    private readonly FrozenDictionary<string, Task<AuthorizationPolicy?>> _policies;

    public InboundClientSet(IEnumerable<InboundClient> clients, IReadOnlyDictionary<string, IReadOnlyList<string>> policies, bool allowAnonymous,
        IReadOnlyList<JwtIssuerDefinition>? jwtIssuers = null)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(policies);
        _clients = [.. clients];
        _keyClients = [.. _clients.Where(c => c.KeyDigest is not null)];
        _byName = _clients.ToFrozenDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        var jwtClients = _clients.Where(c => c.Kind == InboundCredentialKind.Jwt).ToList();
        _byJwt = jwtClients.Count == 0 ? NoClients : jwtClients.ToFrozenDictionary(c => JwtKey(c.JwtIssuer!, c.JwtSubject!), StringComparer.Ordinal);
        var certificateClients = _clients.Where(c => c.Kind == InboundCredentialKind.Certificate).ToList();
        _byCertificate = certificateClients.Count == 0
            ? NoClients
            : certificateClients.ToFrozenDictionary(c => Convert.ToHexString(c.CertificateDigest!), StringComparer.Ordinal);
        JwtIssuers = jwtIssuers ?? [];
        HasProviderMappings = _clients.Any(c => c.Providers is not null);
        _policies = policies.ToFrozenDictionary(
            p => p.Key,
            p => Task.FromResult<AuthorizationPolicy?>(InboundPolicies.ForClients(p.Key, p.Value.Select(m => _byName.TryGetValue(m, out var c) ? c.Name : m))),
            StringComparer.OrdinalIgnoreCase);
        PolicyMembers = policies.ToFrozenDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        AllowAnonymous = allowAnonymous;
    }

    /// <summary>True when at least one client is configured: routes without a policy then require a client.</summary>
    public bool HasClients => _clients.Length > 0;

    /// <summary>True when a client is known by a JWT: only then is an <c>Authorization: Bearer</c> header an inbound credential.</summary>
    public bool HasJwtClients => _byJwt.Count > 0;

    /// <summary>True when a client is known by its TLS certificate.</summary>
    public bool HasCertificateClients => _byCertificate.Count > 0;

    /// <summary>True when a client has its own token providers.</summary>
    public bool HasProviderMappings { get; }

    /// <summary>The <c>InboundAuth:JwtIssuers</c> entries.</summary>
    public IReadOnlyList<JwtIssuerDefinition> JwtIssuers { get; }

    /// <summary><c>InboundAuth:AllowAnonymous</c>.</summary>
    public bool AllowAnonymous { get; }

    /// <summary>Client names, in configuration order.</summary>
    public IEnumerable<string> ClientNames => _clients.Select(c => c.Name);

    /// <summary>The clients, in configuration order (for the admin endpoints, which show their names and provider mappings).</summary>
    public IReadOnlyList<InboundClient> Clients => _clients;

    /// <summary>Policy names and the clients each allows.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> PolicyMembers { get; }

    /// <summary>True when <paramref name="name"/> (case-insensitive) is a configured client.</summary>
    public bool ContainsName(string name) => _byName.ContainsKey(name);

    /// <summary>The policy built from an <c>InboundAuth:Policies</c> entry, as a completed task; null when there is none.</summary>
    public Task<AuthorizationPolicy?>? FindPolicy(string name) => _policies.GetValueOrDefault(name);

    /// <summary>
    /// The client whose key has <paramref name="digest"/> (an <c>X-API-Key</c> credential, which does not name its client).
    /// Compares with every client, in constant time each and without stopping at a match, so the time taken
    /// tells nothing about which client (if any) matched.
    /// </summary>
    public InboundClient? FindByKey(ReadOnlySpan<byte> digest)
    {
        InboundClient? match = null;
        foreach (var client in _keyClients)
        {
            var equal = CryptographicOperations.FixedTimeEquals(client.KeyDigest, digest);
            match = equal ? client : match;
        }

        return match;
    }

    /// <summary>
    /// The named client when its key has <paramref name="digest"/> (a Basic credential). An unknown name still costs
    /// one constant-time comparison, so a wrong name and a wrong key take the same time.
    /// </summary>
    public InboundClient? FindByNameAndKey(string name, ReadOnlySpan<byte> digest)
    {
        var found = _byName.TryGetValue(name, out var client) && client!.KeyDigest is not null;
        var equal = CryptographicOperations.FixedTimeEquals(found ? client!.KeyDigest : NoClientDigest, digest);
        return found && equal ? client : null;
    }

    /// <summary>The client known by tokens of the issuer entry <paramref name="issuer"/> with <c>sub</c> <paramref name="subject"/>.</summary>
    public InboundClient? FindByJwt(string issuer, string subject) => _byJwt.GetValueOrDefault(JwtKey(issuer, subject));

    /// <summary>
    /// The client pinned to the certificate whose DER SHA-256 is <paramref name="digest"/>. A certificate digest is no secret
    /// (the certificate is sent in clear during the handshake), so a dictionary lookup is fine here.
    /// </summary>
    public InboundClient? FindByCertificate(ReadOnlySpan<byte> digest) => _byCertificate.GetValueOrDefault(Convert.ToHexString(digest));

    /// <summary>The issuer entry whose <c>iss</c> claim is <paramref name="iss"/> (exact match).</summary>
    public JwtIssuerDefinition? FindIssuer(string iss)
    {
        foreach (var issuer in JwtIssuers)
        {
            if (string.Equals(issuer.Issuer, iss, StringComparison.Ordinal))
            {
                return issuer;
            }
        }

        return null;
    }

    private static string JwtKey(string issuer, string subject) => issuer.ToUpperInvariant() + "\n" + subject;

    /// <summary>Names only, never keys or digests.</summary>
    public override string ToString() =>
        $"{_clients.Length} client(s) [{string.Join(", ", ClientNames)}], {PolicyMembers.Count} policy(ies) [{string.Join(", ", PolicyMembers.Keys)}]" +
        (AllowAnonymous ? ", AllowAnonymous" : "");
}
