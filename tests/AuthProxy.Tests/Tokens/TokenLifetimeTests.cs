using AuthProxy.Tokens;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

public sealed class TokenLifetimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Columns: case, expires_in, expiration (s from now), token, then the expected expiry, issue, renewal and
    /// last-usable instants in seconds from now. Default options: RefreshAfter 0.8, ExpiryWindow 10 s, Lifetime 20 min.
    /// </summary>
    public static TheoryData<string, long?, long?, string?, double, double, double, double> Cases() => new()
    {
        { "expires_in only", 3600, null, "opaque", 3600, 0, 2880, 3590 },
        { "expiration only", null, 3600, "opaque", 3600, 0, 2880, 3590 },
        { "expiration and expires_in: issued earlier", 3600, 3000, "opaque", 3000, -600, 2280, 2990 },
        { "expiration wins over JWT exp", null, 100, Jwt(Now.AddSeconds(500)), 100, 0, 80, 90 },
        { "expires_in wins over JWT exp", 100, null, Jwt(Now.AddSeconds(500)), 100, 0, 80, 90 },
        { "JWT exp only", null, null, Jwt(Now.AddSeconds(60)), 60, 0, 48, 54 },
        { "JWT exp and iat now", null, null, Jwt(Now.AddSeconds(60), Now), 60, 0, 48, 54 },
        { "JWT issued 10 min ago", null, null, Jwt(Now.AddSeconds(1200), Now.AddSeconds(-600)), 1200, -600, 840, 1190 },
        { "JWT iat ahead of our clock is ignored", null, null, Jwt(Now.AddSeconds(600), Now.AddSeconds(30)), 600, 0, 480, 590 },
        { "JWT without exp", null, null, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.c2ln", 1200, 0, 960, 1190 },
        { "JWT exp as a string", null, null, "eyJhbGciOiJub25lIn0.eyJleHAiOiIxNzk1MjY2MDAwIn0.c2ln", 1200, 0, 960, 1190 },
        { "JWT payload not base64url", null, null, "aaa.!!!.ccc", 1200, 0, 960, 1190 },
        { "JWT payload not JSON", null, null, "aaa.bm90IGpzb24.ccc", 1200, 0, 960, 1190 },
        { "opaque token", null, null, "6c4a5f3e-session", 1200, 0, 960, 1190 },
        { "no token", null, null, null, 1200, 0, 960, 1190 },
        { "zero expires_in and expiration fall through", 0, 0, "opaque", 1200, 0, 960, 1190 },
        { "negative expires_in falls through to JWT", -5, null, Jwt(Now.AddSeconds(300)), 300, 0, 240, 290 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Create_PicksLifetimeSource(string description, long? expiresIn, long? expirationFromNow, string? token,
        double expiresAfter, double issuedAfter, double refreshAfter, double usableFor)
    {
        var expiration = expirationFromNow is { } e ? Now.AddSeconds(e).ToUnixTimeSeconds() : (long?)null;
        if (expirationFromNow == 0)
        {
            expiration = 0;
        }

        var created = TokenLifetime.Create("Bearer x", token, expiresIn, expiration, new TokenProviderOptions(), Now);

        Assert.True(Now.AddSeconds(expiresAfter) == created.ExpiresAt, $"{description}: expires {created.ExpiresAt:O}");
        Assert.True(Now.AddSeconds(issuedAfter) == created.IssuedAt, $"{description}: issued {created.IssuedAt:O}");
        Assert.True(Now.AddSeconds(refreshAfter) == created.RefreshAt, $"{description}: refresh {created.RefreshAt:O}");
        Assert.True(Now.AddSeconds(usableFor) == created.UsableUntil, $"{description}: usable until {created.UsableUntil:O}");
        Assert.Equal(Now, created.ObtainedAt);
    }

    [Fact]
    public void Create_NoLifetimeInReply_UsesConfiguredLifetimeAndRefreshFraction()
    {
        var options = new TokenProviderOptions { Lifetime = TimeSpan.FromMinutes(5), RefreshAfter = 0.5, ExpiryWindow = TimeSpan.FromSeconds(2) };

        var created = TokenLifetime.Create("SKLMAuth userAuthId=x", null, null, null, options, Now);

        Assert.Equal(Now.AddMinutes(5), created.ExpiresAt);
        Assert.Equal(Now.AddSeconds(150), created.RefreshAt);
        Assert.Equal(Now.AddSeconds(298), created.UsableUntil);
    }

    [Fact]
    public void TryReadJwtTimes_ReadsExpAndIatWithoutSignatureCheck()
    {
        var ok = TokenLifetime.TryReadJwtTimes(Jwt(Now.AddHours(1), Now.AddMinutes(-1)), out var exp, out var iat);

        Assert.True(ok);
        Assert.Equal(Now.AddHours(1), exp);
        Assert.Equal(Now.AddMinutes(-1), iat);
    }
}
