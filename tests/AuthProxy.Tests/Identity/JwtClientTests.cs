using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using AuthProxy.Hosting;
using AuthProxy.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;
using static AuthProxy.Tests.Identity.IdentitySandbox;

namespace AuthProxy.Tests.Identity;

/// <summary>
/// Inbound JWT clients (README "Clients with a JWT") against the sandbox's OIDC issuer: what is accepted, what is refused
/// with 401 and why, how the JWKS cache follows key rotation and survives an issuer outage, and that the JWT never reaches
/// an upstream. The proxy runs on a fake clock that starts now, so the JWKS schedule (30 s, 1 h) is moved on by hand.
/// </summary>
public sealed class JwtClientTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task ValidJwt_ReachesKeyProtectWithTheClientsOwnIdentity_AndTheJwtReachesNoUpstream()
    {
        await using var echo = await FakeServer.StartAsync();
        await using var env = await StartAsync(e => Config(e.Sandbox,
            """ "echo": { "ClusterId": "echo", "Match": { "Path": "/echo/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/echo" } ] }""",
            $$""" "echo": { "Destinations": { "d": { "Address": "{{echo.Url}}/" } } }"""));
        var jwt = env.Sandbox.OidcIssuer.Mint(Billing);

        var (status, body) = await env.SendAsync(Get("/kms/api/v2/keys", jwt));
        var (echoStatus, _) = await env.SendAsync(Get("/echo/anything", jwt));

        Assert.True(status == 200, body);
        Assert.Equal("iam-Profile-billing-app-profile", env.Sandbox.KeyProtect.Callers[^1]);
        Assert.Equal(200, echoStatus);
        Assert.Null(Assert.Single(echo.Requests).Header("Authorization"));
        Assert.DoesNotContain(env.Proxy.Logs, l => l.Contains(jwt, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("expired", "has expired")]
    [InlineData("not-yet-valid", "not yet valid")]
    [InlineData("wrong-audience", "audience")]
    [InlineData("wrong-issuer", "issuer is not a configured")]
    [InlineData("bad-signature", "signature is invalid")]
    [InlineData("alg-none", "alg must be RS256 or ES256")]
    [InlineData("unknown-subject", "is no configured client")]
    [InlineData("no-exp", "no exp")]
    public async Task RefusedJwt_Gets401NamingTheCheck_AndReachesNoUpstream(string variant, string reason)
    {
        await using var env = await StartAsync(e => Config(e.Sandbox));
        var issuer = env.Sandbox.OidcIssuer;
        var now = _time.GetUtcNow();
        var jwt = variant switch
        {
            "expired" => issuer.Mint(Billing, issuedAt: now.AddHours(-1), expiresAt: now.AddSeconds(-61)),
            "not-yet-valid" => issuer.Mint(Billing, issuedAt: now, notBefore: now.AddMinutes(5), expiresAt: now.AddHours(1)),
            "wrong-audience" => issuer.Mint(Billing, audience: "someone-else"),
            "wrong-issuer" => issuer.Mint(Billing, issuer: "https://other-cluster.example.com"),
            "bad-signature" => issuer.Mint(Billing, signingKey: new RsaSecurityKey(RSA.Create(2048)) { KeyId = issuer.CurrentKeyId }),
            "alg-none" => Unsigned(issuer.Issuer, Billing, now),
            "unknown-subject" => issuer.Mint("system:serviceaccount:default:intruder"),
            "no-exp" => Unsigned(issuer.Issuer, Billing, now, withExp: false, signWith: issuer),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var before = env.Sandbox.KeyProtect.Counters.ApiRequests;

        var (status, body) = await env.SendAsync(Get("/kms/api/v2/keys", jwt));

        Assert.Equal(401, status);
        Assert.Contains(reason, body, StringComparison.Ordinal);
        Assert.DoesNotContain(jwt, body, StringComparison.Ordinal);
        Assert.Equal(before, env.Sandbox.KeyProtect.Counters.ApiRequests);
    }

    [Fact]
    public async Task NotBefore_WithinSixtySecondsOfSkew_IsAccepted_AndSoIsExpiryWithinTheSkew()
    {
        await using var env = await StartAsync(e => Config(e.Sandbox));
        var now = _time.GetUtcNow();

        var (early, _) = await env.SendAsync(Get("/kms/api/v2/keys", env.Sandbox.OidcIssuer.Mint(Billing, issuedAt: now, notBefore: now.AddSeconds(45))));
        var (late, _) = await env.SendAsync(Get("/kms/api/v2/keys", env.Sandbox.OidcIssuer.Mint(Billing, issuedAt: now.AddHours(-1), expiresAt: now.AddSeconds(-30))));

        Assert.Equal(200, early);
        Assert.Equal(200, late);
    }

    [Fact]
    public async Task UnknownKid_RefreshesTheJwks_AtMostOncePer30Seconds_ThenRotatedKeysAreAccepted()
    {
        await using var env = await StartAsync(e => Config(e.Sandbox));
        var issuer = env.Sandbox.OidcIssuer;
        Assert.Equal(200, (await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Billing)))).Status);
        var fetchesAtStart = issuer.Counters.ApiRequests;
        issuer.RotateKey(keepOld: false);
        var rotated = issuer.Mint(Billing);

        // Within 30 s of the start-up fetch the unknown kid costs no fetch: 401.
        var (soon, soonBody) = await env.SendAsync(Get("/kms/api/v2/keys", rotated));
        _time.Advance(TimeSpan.FromSeconds(31));
        var (later, laterBody) = await env.SendAsync(Get("/kms/api/v2/keys", rotated));
        var (again, _) = await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Reporting)));

        Assert.Equal(401, soon);
        Assert.Contains("signing key is not among", soonBody, StringComparison.Ordinal);
        Assert.True(later == 200, laterBody);
        Assert.Equal(200, again);
        Assert.Equal(fetchesAtStart + 1, issuer.Counters.ApiRequests);
    }

    [Fact]
    public async Task JwksEndpointDown_CachedKeysKeepServing_AndTheHourlyRefreshIsRetried()
    {
        // A route without AuthToken: the emulators' IAM tokens follow the real clock, which this test does not move.
        await using var echo = await FakeServer.StartAsync();
        await using var env = await StartAsync(e => Config(e.Sandbox,
            """ "echo": { "ClusterId": "echo", "Match": { "Path": "/echo/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/echo" } ] }""",
            $$""" "echo": { "Destinations": { "d": { "Address": "{{echo.Url}}/" } } }"""));
        var issuer = env.Sandbox.OidcIssuer;
        Assert.Equal(200, (await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Billing)))).Status);
        issuer.BeforeApi = async context =>
        {
            context.Response.StatusCode = 503;
            await context.Response.WriteAsync("down");
            return true;
        };

        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.True(await Eventually.TrueAsync(() => issuer.Counters.InjectedFailures >= 1), "the hourly refresh did not run");
        Assert.True(await Eventually.TrueAsync(() => env.Proxy.Logs.Any(l => l.Contains("the JWKS could not be had", StringComparison.Ordinal))));
        var (status, body) = await env.SendAsync(Get("/echo/x", issuer.Mint(Billing, issuedAt: _time.GetUtcNow())));

        Assert.True(status == 200, body);
        issuer.BeforeApi = null;
        _time.Advance(TimeSpan.FromSeconds(2)); // the retry after the failure
        Assert.True(await Eventually.TrueAsync(() => env.Proxy.Logs.Count(l => l.Contains("signing key(s) in force", StringComparison.Ordinal)) >= 2));
    }

    [Fact]
    public async Task NoKeysAtStartUp_ProxyStarts_JwtClientsGet401_UntilTheRetriedFetchSucceeds()
    {
        await using var env = await StartAsync(e =>
        {
            e.Sandbox.OidcIssuer.BeforeApi = async context =>
            {
                context.Response.StatusCode = 500;
                await context.Response.WriteAsync("not yet");
                return true;
            };
            return Config(e.Sandbox);
        });
        var issuer = env.Sandbox.OidcIssuer;
        Assert.True(await Eventually.TrueAsync(() => issuer.Counters.InjectedFailures >= 1));

        var (refused, body) = await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Billing)));
        var (legacy, _) = await env.SendAsync(Get("/kms/api/v2/keys", apiKey: LegacyKey));
        issuer.BeforeApi = null;
        _time.Advance(TimeSpan.FromSeconds(1.5)); // the first backoff step

        Assert.Equal(401, refused);
        Assert.Contains("no signing keys", body, StringComparison.Ordinal);
        Assert.Equal(200, legacy);
        Assert.True(await Eventually.TrueAsync(async () => (await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Billing)))).Status == 200));
    }

    [Fact]
    public async Task ApiKeyPresent_RequestIsJudgedByTheKeyAlone_EvenWithAValidJwt()
    {
        await using var env = await StartAsync(e => Config(e.Sandbox));
        var jwt = env.Sandbox.OidcIssuer.Mint(Billing);

        var (wrongKey, _) = await env.SendAsync(Get("/kms/api/v2/keys", jwt, apiKey: "not-a-key"));
        var (rightKey, _) = await env.SendAsync(Get("/kms/api/v2/keys", jwt, apiKey: LegacyKey));

        Assert.Equal(401, wrongKey);
        Assert.Equal(200, rightKey);
        Assert.StartsWith("iam-ServiceId-", env.Sandbox.KeyProtect.Callers[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ClientNamingAnUnknownIssuer_AndAnIssuerWithoutKeys_AreReportedWithTheirPaths()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["InboundAuth:JwtIssuers:cluster:Issuer"] = "https://k8s",
            ["InboundAuth:JwtIssuers:cluster:Audiences:0"] = "authproxy",
            ["InboundAuth:Clients:app:Jwt:Issuer"] = "clustr",
            ["InboundAuth:Clients:app:Jwt:Subject"] = "s",
        }).Build();

        var problems = ConfigChecks.Judge(configuration).Problems;

        Assert.Contains(problems, p => p.Path == "InboundAuth:JwtIssuers:cluster:JwksUrl" && p.Reason.Contains("exactly one of JwksUrl", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Path == "InboundAuth:Clients:app:Jwt:Issuer" && p.Reason.Contains("'clustr'", StringComparison.Ordinal));
    }

    private Task<TestEnvironment> StartAsync(Func<TestEnvironment, string> config) => TestEnvironment.StartAsync(output, o =>
    {
        o.Sandbox = true;
        o.Time = _time;
        o.Config = config;
    });

    /// <summary>A JWT with <c>alg: none</c> (or, with <paramref name="signWith"/>, a signed one without <c>exp</c>).</summary>
    private static string Unsigned(string iss, string sub, DateTimeOffset now, bool withExp = true, AuthProxy.Sandbox.Oidc.OidcIssuerEmulator? signWith = null)
    {
        var claims = new Dictionary<string, object> { ["iss"] = iss, ["sub"] = sub, ["aud"] = "authproxy", ["iat"] = now.ToUnixTimeSeconds() };
        if (withExp)
        {
            claims["exp"] = now.AddHours(1).ToUnixTimeSeconds();
        }

        if (signWith is not null)
        {
            return signWith.MintWithoutExpiry(sub);
        }

        var header = Base64Url.EncodeToString("""{"alg":"none","typ":"JWT"}"""u8);
        var payload = Base64Url.EncodeToString(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(claims));
        return $"{header}.{payload}.";
    }
}
