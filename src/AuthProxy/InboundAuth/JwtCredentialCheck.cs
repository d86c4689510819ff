using AuthProxy.Telemetry;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Checks an <c>Authorization: Bearer</c> JWT against the configured issuers with Microsoft.IdentityModel's
/// <see cref="JsonWebTokenHandler"/>: signature (RS256 or ES256 only, never <c>none</c>) with the issuer's JWKS keys,
/// <c>iss</c> (exact), <c>aud</c> (one of the issuer's audiences), <c>exp</c> (required) and <c>nbf</c>, with 60 s of clock
/// skew; then the client whose issuer and <c>sub</c> match. A token naming an unknown key id makes the issuer's keys
/// refresh (at most once per 30 s) before the token is judged. Failure reasons never contain the token.
/// </summary>
internal sealed class JwtCredentialCheck
{
    /// <summary>The only signature algorithms accepted.</summary>
    public static readonly IReadOnlyList<string> Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    /// <summary>Clock skew allowed on <c>exp</c> and <c>nbf</c>.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(60);

    /// <summary>Longest token accepted (a service-account token is about 1 KiB).</summary>
    public const int MaxTokenChars = 16 * 1024;

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false, MaximumTokenSizeInBytes = MaxTokenChars };
    private readonly JwtIssuerKeyRing _keys;

    public JwtCredentialCheck(JwtIssuerKeyRing keys) => _keys = keys;

    /// <summary>The <c>iss</c> of a token that looks like a JWT, unverified; null otherwise. For stripping inbound JWTs.</summary>
    public static string? UnverifiedIssuer(string token)
    {
        if (token.Length > MaxTokenChars || token.AsSpan().Count('.') != 2)
        {
            return null;
        }

        try
        {
            return new JsonWebToken(token).Issuer;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public async Task<InboundCheckResult> CheckAsync(InboundClientSet clients, string token, CancellationToken cancellationToken)
    {
        JsonWebToken jwt;
        try
        {
            jwt = token.Length <= MaxTokenChars && _handler.CanReadToken(token) ? _handler.ReadJsonWebToken(token) : null!;
        }
        catch (ArgumentException)
        {
            jwt = null!;
        }

        if (jwt is null)
        {
            return Refused("the Bearer token is not a JWT");
        }

        if (!Algorithms.Contains(jwt.Alg))
        {
            return Refused($"the JWT's alg must be RS256 or ES256, not '{LogValue.Escape(Shorten(jwt.Alg ?? ""))}'");
        }

        var issuer = clients.FindIssuer(jwt.Issuer);
        if (issuer is null || _keys.Find(issuer.Name) is not { } keys)
        {
            return Refused("the JWT's issuer is not a configured JwtIssuers entry");
        }

        var set = keys.Current;
        if (set.Keys.Count == 0 || (!string.IsNullOrEmpty(jwt.Kid) && !set.KeyIds.Contains(jwt.Kid)))
        {
            set = await keys.RefreshForUnknownKeyAsync(jwt.Kid, cancellationToken);
            if (set.Keys.Count == 0)
            {
                return Refused($"no signing keys of JWT issuer '{issuer.Name}' could be had yet");
            }
        }

        var result = await _handler.ValidateTokenAsync(jwt, set.Parameters);
        if (!result.IsValid)
        {
            return Refused(Describe(result.Exception, issuer.Name));
        }

        var subject = jwt.Subject;
        if (string.IsNullOrEmpty(subject))
        {
            return Refused("the JWT has no sub claim");
        }

        return clients.FindByJwt(issuer.Name, subject) is { } client
            ? new InboundCheckResult(InboundCredentialKind.Jwt, client, null)
            : Refused($"subject '{LogValue.Escape(Shorten(subject))}' of JWT issuer '{issuer.Name}' is no configured client");
    }

    /// <summary>
    /// <c>exp</c> required and not past, <c>nbf</c> not ahead, each with <see cref="ClockSkew"/>, on the proxy's clock (the
    /// <see cref="TimeProvider"/>). Throws IdentityModel's own exceptions, so the refusal says which check failed.
    /// </summary>
    internal static bool ValidateLifetime(DateTime? notBefore, DateTime? expires, DateTimeOffset now)
    {
        if (expires is not { } exp)
        {
            throw new SecurityTokenNoExpirationException("no exp");
        }

        if (notBefore is { } nbf && now.UtcDateTime + ClockSkew < nbf)
        {
            throw new SecurityTokenNotYetValidException("nbf in the future") { NotBefore = nbf };
        }

        if (now.UtcDateTime - ClockSkew >= exp)
        {
            throw new SecurityTokenExpiredException("expired") { Expires = exp };
        }

        return true;
    }

    private static InboundCheckResult Refused(string reason) => InboundCheckResult.Refused(InboundCredentialKind.Jwt, reason);

    /// <summary>What failed, by the exception type alone: IdentityModel's messages may quote parts of the token.</summary>
    private static string Describe(Exception? exception, string issuer) => exception switch
    {
        SecurityTokenExpiredException => "the JWT has expired",
        SecurityTokenNotYetValidException => "the JWT is not yet valid (nbf)",
        SecurityTokenNoExpirationException => "the JWT has no exp claim",
        SecurityTokenInvalidLifetimeException => "the JWT's lifetime is invalid",
        SecurityTokenInvalidAudienceException => $"the JWT's audience is not one of JWT issuer '{issuer}''s Audiences",
        SecurityTokenInvalidIssuerException => "the JWT's issuer does not match",
        SecurityTokenInvalidAlgorithmException => "the JWT's alg must be RS256 or ES256",
        SecurityTokenSignatureKeyNotFoundException => $"the JWT's signing key is not among JWT issuer '{issuer}''s keys",
        SecurityTokenInvalidSignatureException => "the JWT's signature is invalid",
        SecurityTokenMalformedException => "the JWT is malformed",
        null => "the JWT was refused",
        _ => $"the JWT was refused ({exception.GetType().Name})",
    };

    private static string Shorten(string value) => value.Length > 80 ? value[..80] + "…" : value;
}
