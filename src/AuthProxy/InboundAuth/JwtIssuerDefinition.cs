namespace AuthProxy.InboundAuth;

/// <summary>
/// One validated <c>InboundAuth:JwtIssuers:&lt;name&gt;</c> entry: who issues the JWTs clients present, for which
/// audiences, and where its signing keys (a JWKS) are found.
/// </summary>
/// <param name="Name">The entry's name, which clients' <c>Jwt:Issuer</c> refers to.</param>
/// <param name="Issuer">The exact <c>iss</c> claim.</param>
/// <param name="Audiences">Accepted <c>aud</c> values (a token needs one of them).</param>
/// <param name="JwksUrl">Where the JWKS is fetched (http or https), or null.</param>
/// <param name="JwksFile">Where the JWKS is read, or null.</param>
/// <param name="CaCertificateFile">PEM file with an extra CA for <paramref name="JwksUrl"/>.</param>
/// <param name="JwksBearerTokenFile">A token file sent as <c>Authorization: Bearer</c> to <paramref name="JwksUrl"/>, read at each fetch.</param>
/// <param name="Fingerprint">The settings, to keep a cache's keys across reloads that leave the entry alone.</param>
internal sealed record JwtIssuerDefinition(string Name, string Issuer, IReadOnlyList<string> Audiences, Uri? JwksUrl, string? JwksFile,
    string? CaCertificateFile, string? JwksBearerTokenFile, string Fingerprint)
{
    public override string ToString() => $"JwtIssuer({Name}: {Issuer})";
}
