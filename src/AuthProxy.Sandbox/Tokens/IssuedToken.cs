using System.Globalization;

namespace AuthProxy.Sandbox.Tokens;

/// <summary>
/// What an emulator remembers about a token it issued. <see cref="ToString"/> does not print the token.
/// </summary>
public sealed class IssuedToken
{
    private long _lastUsedTicks;
    private long _uses;
    private int _revoked;

    internal IssuedToken(string value, string issuer, string subject, DateTimeOffset issuedAt, DateTimeOffset? expiresAt, TimeSpan? idleTimeout)
    {
        Value = value;
        Issuer = issuer;
        Subject = subject;
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
        IdleTimeout = idleTimeout;
        _lastUsedTicks = issuedAt.UtcTicks;
    }

    /// <summary>The token itself, as sent by clients.</summary>
    public string Value { get; }

    /// <summary>Which emulator flow issued it, e.g. <c>iam</c>, <c>cpd</c>, <c>sklm</c>.</summary>
    public string Issuer { get; }

    /// <summary>The user, API key owner or trusted profile it was issued to.</summary>
    public string Subject { get; }

    public DateTimeOffset IssuedAt { get; }

    /// <summary>Absolute expiry; <see langword="null"/> for tokens that only die of idleness (SKLM).</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>The token dies when unused for this long; each accepted use restarts the clock.</summary>
    public TimeSpan? IdleTimeout { get; }

    public bool IsRevoked => Volatile.Read(ref _revoked) != 0;

    /// <summary>When the token was last accepted (initially its issue time).</summary>
    public DateTimeOffset LastUsed => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);

    /// <summary>How many requests were accepted with it.</summary>
    public long Uses => Interlocked.Read(ref _uses);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Issuer} token for {Subject}, issued {IssuedAt:O}, expires {(ExpiresAt is { } e ? e.ToString("O", CultureInfo.InvariantCulture) : "when idle")}{(IsRevoked ? ", revoked" : "")}");

    internal void Revoke() => Volatile.Write(ref _revoked, 1);

    internal void Touch(DateTimeOffset now)
    {
        Interlocked.Exchange(ref _lastUsedTicks, now.UtcTicks);
        Interlocked.Increment(ref _uses);
    }

    /// <summary>Why the token cannot be used at <paramref name="now"/>, or <see langword="null"/> when it can.</summary>
    internal RejectionReason? Check(DateTimeOffset now, TimeSpan nearExpiryWindow)
    {
        if (IsRevoked)
        {
            return RejectionReason.Revoked;
        }

        if (ExpiresAt is { } expiresAt)
        {
            if (now >= expiresAt)
            {
                return RejectionReason.Expired;
            }

            if (expiresAt - now < nearExpiryWindow)
            {
                return RejectionReason.NearExpiry;
            }
        }

        if (IdleTimeout is { } idle && now - LastUsed >= idle)
        {
            return RejectionReason.Expired;
        }

        return null;
    }
}
