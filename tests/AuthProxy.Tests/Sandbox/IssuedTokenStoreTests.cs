using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Tests.Sandbox;

public sealed class IssuedTokenStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, true, null)]
    [InlineData(54_999, true, null)]
    [InlineData(55_000, true, null)] // exactly 5 s left
    [InlineData(55_001, false, RejectionReason.NearExpiry)]
    [InlineData(59_999, false, RejectionReason.NearExpiry)]
    [InlineData(60_000, false, RejectionReason.Expired)]
    public void TryUse_ByAge_AcceptsUntilFiveSecondsBeforeExpiry(int ageMilliseconds, bool accepted, RejectionReason? reason)
    {
        var store = new IssuedTokenStore();
        store.Add("t", "iam", "someone", Now, Now.AddSeconds(60));

        var ok = store.TryUse("t", "iam", Now.AddMilliseconds(ageMilliseconds), out var why, out _);

        Assert.Equal(accepted, ok);
        if (reason is { } expected)
        {
            Assert.Equal(expected, why);
        }
    }

    [Fact]
    public void TryUse_WrongIssuerOrUnknown_IsUnknown()
    {
        var store = new IssuedTokenStore();
        store.Add("t", "iam", "someone", Now, Now.AddHours(1));

        Assert.False(store.TryUse("t", "cpd", Now, out var wrongIssuer, out _));
        Assert.False(store.TryUse("other", "iam", Now, out var unknown, out _));
        Assert.Equal(RejectionReason.Unknown, wrongIssuer);
        Assert.Equal(RejectionReason.Unknown, unknown);
    }

    [Fact]
    public void RevokeAll_OnlyThatIssuersExistingTokens()
    {
        var store = new IssuedTokenStore();
        store.Add("iam-1", "iam", "a", Now, Now.AddHours(1));
        store.Add("cpd-1", "cpd", "a", Now, Now.AddHours(1));

        Assert.Equal(1, store.RevokeAll("iam"));
        store.Add("iam-2", "iam", "a", Now, Now.AddHours(1));

        Assert.False(store.TryUse("iam-1", "iam", Now, out var reason, out _));
        Assert.Equal(RejectionReason.Revoked, reason);
        Assert.True(store.TryUse("iam-2", "iam", Now, out _, out _));
        Assert.True(store.TryUse("cpd-1", "cpd", Now, out _, out _));
    }

    [Fact]
    public void TryUse_IdleToken_UseRestartsClock()
    {
        var store = new IssuedTokenStore();
        store.Add("s", "sklm", "u", Now, expiresAt: null, idleTimeout: TimeSpan.FromMinutes(30));

        Assert.True(store.TryUse("s", "sklm", Now.AddMinutes(20), out _, out var token));
        Assert.Equal(Now.AddMinutes(20), token!.LastUsed);
        Assert.Equal(1, token.Uses);
        Assert.True(store.TryUse("s", "sklm", Now.AddMinutes(49), out _, out _));
        Assert.False(store.TryUse("s", "sklm", Now.AddMinutes(79), out var reason, out _));
        Assert.Equal(RejectionReason.Expired, reason);
    }

    [Fact]
    public void IssuedToken_ToString_DoesNotShowToken()
    {
        var store = new IssuedTokenStore();
        var token = store.Add("secret-token-value", "iam", "iam-ServiceId-x", Now, Now.AddHours(1));

        Assert.DoesNotContain("secret-token-value", token.ToString(), StringComparison.Ordinal);
    }
}
