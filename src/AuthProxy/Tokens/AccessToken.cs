namespace AuthProxy.Tokens;

/// <summary>
/// A credential obtained from a token provider, with its precomputed <c>Authorization</c> header
/// value and the instants that govern renewal. It never prints its secret.
/// </summary>
public sealed class AccessToken
{
    private AccessToken(string headerValue, DateTimeOffset obtainedAt, DateTimeOffset issuedAt, DateTimeOffset expiresAt,
        DateTimeOffset refreshAt, DateTimeOffset usableUntil)
    {
        HeaderValue = headerValue;
        ObtainedAt = obtainedAt;
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
        RefreshAt = refreshAt;
        UsableUntil = usableUntil;
        Result = new TokenResult(this);
    }

    /// <summary>The full <c>Authorization</c> header value, e.g. <c>Bearer eyJ…</c>. Secret.</summary>
    public string HeaderValue { get; }

    /// <summary>When this proxy received the token.</summary>
    public DateTimeOffset ObtainedAt { get; }

    /// <summary>When the issuer says the token was issued (or <see cref="ObtainedAt"/> if unknown).</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <summary>When the token expires. <see cref="DateTimeOffset.MaxValue"/> for credentials that never expire.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>From this instant on, the token is renewed in the background while still being served.</summary>
    public DateTimeOffset RefreshAt { get; }

    /// <summary>The token is never sent at or after this instant (expiry minus the expiry window).</summary>
    public DateTimeOffset UsableUntil { get; }

    /// <summary>A cached success result, so the hot path hands out the token without allocating.</summary>
    internal TokenResult Result { get; }

    /// <summary>
    /// Creates a token whose renewal instants follow CONTRACT §3.3: renew after <paramref name="refreshAfter"/>
    /// of the lifetime; never send within min(<paramref name="expiryWindow"/>, 10% of the lifetime) of expiry.
    /// </summary>
    public static AccessToken Create(string headerValue, DateTimeOffset obtainedAt, DateTimeOffset issuedAt,
        DateTimeOffset expiresAt, double refreshAfter, TimeSpan expiryWindow)
    {
        ArgumentException.ThrowIfNullOrEmpty(headerValue);
        if (expiresAt == DateTimeOffset.MaxValue)
        {
            return new AccessToken(headerValue, obtainedAt, issuedAt, expiresAt, DateTimeOffset.MaxValue, DateTimeOffset.MaxValue);
        }

        if (issuedAt > obtainedAt || issuedAt >= expiresAt)
        {
            // An issuer clock ahead of ours (or a nonsensical iat) must not stretch the lifetime.
            issuedAt = obtainedAt;
        }

        var lifetime = expiresAt - issuedAt;
        if (lifetime < TimeSpan.Zero)
        {
            lifetime = TimeSpan.Zero;
        }

        var window = TimeSpan.FromTicks(Math.Min(expiryWindow.Ticks, lifetime.Ticks / 10));
        var usableUntil = expiresAt - window;
        var refreshAt = issuedAt + TimeSpan.FromTicks((long)(lifetime.Ticks * refreshAfter));
        return new AccessToken(headerValue, obtainedAt, issuedAt, expiresAt, refreshAt, usableUntil);
    }

    /// <summary>Never prints the credential.</summary>
    public override string ToString() => $"AccessToken(expiresAt={ExpiresAt:O}, ***)";
}
