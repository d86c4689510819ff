using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthProxy.Sandbox.Oidc;

/// <summary>
/// An OIDC-style issuer of service-account-like JWTs, as a Kubernetes API server is one: <c>GET /openid/v1/jwks</c>
/// serves the JWKS (RSA keys, RS256), <c>GET /.well-known/openid-configuration</c> names it, and
/// <c>GET /sandbox/token?sub=…&amp;aud=…</c> mints a token (the sandbox's stand-in for a projected service-account token
/// file). Tests mint through <see cref="Mint"/>, rotate keys with <see cref="RotateKey"/> and take the JWKS endpoint down
/// with <see cref="Emulator.BeforeApi"/>.
/// </summary>
public sealed class OidcIssuerEmulator : Emulator
{
    public const string JwksPath = "/openid/v1/jwks";
    public const string DiscoveryPath = "/.well-known/openid-configuration";
    public const string MintPath = "/sandbox/token";

    private readonly Lock _gate = new();
    private readonly List<RsaSecurityKey> _keys = [];
    private readonly TimeSpan _lifetime;
    private int _keyCounter;

    private OidcIssuerEmulator(OidcIssuerEmulatorOptions options)
        : base("OIDC issuer", options)
    {
        _lifetime = options.TokenLifetime;
        RotateKey(keepOld: false);
    }

    /// <summary>The <c>iss</c> of minted tokens: the emulator's URL.</summary>
    public string Issuer => Url;

    public string JwksUrl => Url + JwksPath;

    /// <summary>The key id new tokens are signed with.</summary>
    public string CurrentKeyId
    {
        get
        {
            lock (_gate)
            {
                return _keys[^1].KeyId;
            }
        }
    }

    public static Task<OidcIssuerEmulator> StartAsync(OidcIssuerEmulatorOptions? options = null, CancellationToken cancellationToken = default) =>
        ListenAsync(new OidcIssuerEmulator(options ?? new OidcIssuerEmulatorOptions()), cancellationToken);

    /// <summary>Signs new tokens with a new key (new <c>kid</c>); the JWKS serves it, and the old keys too when <paramref name="keepOld"/>.</summary>
    public string RotateKey(bool keepOld = true)
    {
        lock (_gate)
        {
            if (!keepOld)
            {
                _keys.Clear();
            }

            var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = $"sandbox-key-{++_keyCounter}" };
            _keys.Add(key);
            return key.KeyId;
        }
    }

    /// <summary>
    /// A token for <paramref name="subject"/> and <paramref name="audience"/>, signed RS256 with the current key. Times
    /// default to now and now + the lifetime; <paramref name="signingKey"/> signs with a key the JWKS does not serve.
    /// </summary>
    public string Mint(string subject, string audience = SandboxDefaults.JwtAudience, DateTimeOffset? issuedAt = null, DateTimeOffset? expiresAt = null,
        DateTimeOffset? notBefore = null, string? issuer = null, SecurityKey? signingKey = null, string algorithm = SecurityAlgorithms.RsaSha256)
    {
        var now = issuedAt ?? Time.GetUtcNow();
        SecurityKey key;
        lock (_gate)
        {
            key = signingKey ?? _keys[^1];
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            IssuedAt = now.UtcDateTime,
            NotBefore = (notBefore ?? now).UtcDateTime,
            Expires = (expiresAt ?? now + _lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, algorithm),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>A signed token with no <c>exp</c> claim (which the proxy must refuse).</summary>
    public string MintWithoutExpiry(string subject, string audience = SandboxDefaults.JwtAudience)
    {
        SecurityKey key;
        lock (_gate)
        {
            key = _keys[^1];
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    private protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(JwksPath, JwksAsync);
        endpoints.MapGet(DiscoveryPath, context => EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK,
            new JsonObject { ["issuer"] = Issuer, ["jwks_uri"] = JwksUrl, ["id_token_signing_alg_values_supported"] = new JsonArray("RS256") }));
        endpoints.MapGet(MintPath, MintAsync);
    }

    private async Task JwksAsync(HttpContext context)
    {
        if (await ApiRequestHandledAsync(context))
        {
            return;
        }

        var keys = new JsonArray();
        lock (_gate)
        {
            foreach (var key in _keys)
            {
                var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(key);
                keys.Add(new JsonObject
                {
                    ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = key.KeyId, ["n"] = jwk.N, ["e"] = jwk.E,
                });
            }
        }

        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["keys"] = keys }, "application/jwk-set+json");
    }

    private async Task MintAsync(HttpContext context)
    {
        var subject = context.Request.Query["sub"].ToString();
        if (subject.Length == 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("sub is required, e.g. ?sub=system:serviceaccount:billing:billing-app\n");
            return;
        }

        var audience = context.Request.Query["aud"].ToString() is { Length: > 0 } aud ? aud : SandboxDefaults.JwtAudience;
        Counters.CountIssued();
        EmulatorLog.Issued(Logger, "OIDC issuer", "service-account JWT", subject, (Time.GetUtcNow() + _lifetime).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(Mint(subject, audience));
    }
}
