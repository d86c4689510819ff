using System.Collections.Concurrent;

namespace AuthProxy.Sandbox.Tokens;

/// <summary>
/// Every token the emulators issued, shared between a token emulator and the API emulators that trust it
/// (e.g. IAM and Key Protect), so an API accepts exactly the tokens its issuer handed out. Time is passed in
/// by the caller, so each emulator's <see cref="TimeProvider"/> decides expiry.
/// </summary>
public sealed class IssuedTokenStore
{
    /// <summary>Above this many entries, issuing a token first forgets tokens that died long ago.</summary>
    private const int PruneThreshold = 10_000;

    private static readonly TimeSpan ForgetAfter = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);

    /// <summary>Tokens with less than this left are refused as <see cref="RejectionReason.NearExpiry"/>.</summary>
    /// <remarks>Default 5 seconds: IBM services refuse tokens with under 5 s left.</remarks>
    public TimeSpan NearExpiryWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Number of tokens remembered.</summary>
    public int Count => _tokens.Count;

    /// <summary>Records a token. Emulators call this; tests may too, to plant a token with a chosen lifetime.</summary>
    public IssuedToken Add(string value, string issuer, string subject, DateTimeOffset issuedAt, DateTimeOffset? expiresAt, TimeSpan? idleTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        ArgumentException.ThrowIfNullOrEmpty(issuer);
        if (_tokens.Count > PruneThreshold)
        {
            Prune(issuedAt);
        }

        var token = new IssuedToken(value, issuer, subject, issuedAt, expiresAt, idleTimeout);
        if (!_tokens.TryAdd(value, token))
        {
            throw new InvalidOperationException("A token with this value was already issued.");
        }

        return token;
    }

    /// <summary>Looks a token up without using it.</summary>
    public bool TryGet(string value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IssuedToken? token) =>
        _tokens.TryGetValue(value, out token);

    /// <summary>
    /// Checks that <paramref name="value"/> was issued by <paramref name="issuer"/> and is usable at <paramref name="now"/>;
    /// on success records the use (which restarts an idle timeout).
    /// </summary>
    public bool TryUse(string value, string issuer, DateTimeOffset now, out RejectionReason reason, out IssuedToken? token)
    {
        if (!_tokens.TryGetValue(value, out token) || !string.Equals(token.Issuer, issuer, StringComparison.Ordinal))
        {
            token = null;
            reason = RejectionReason.Unknown;
            return false;
        }

        if (token.Check(now, NearExpiryWindow) is { } rejected)
        {
            reason = rejected;
            return false;
        }

        token.Touch(now);
        reason = default;
        return true;
    }

    /// <summary>Revokes every token issued so far (by <paramref name="issuer"/>, or by anyone); later tokens are unaffected.</summary>
    /// <returns>How many tokens were newly revoked.</returns>
    public int RevokeAll(string? issuer = null)
    {
        var count = 0;
        foreach (var token in _tokens.Values)
        {
            if ((issuer is null || token.Issuer == issuer) && !token.IsRevoked)
            {
                token.Revoke();
                count++;
            }
        }

        return count;
    }

    /// <summary>The tokens remembered (of <paramref name="issuer"/>, or all), oldest first.</summary>
    public IReadOnlyList<IssuedToken> Snapshot(string? issuer = null) =>
        [.. _tokens.Values.Where(t => issuer is null || t.Issuer == issuer).OrderBy(t => t.IssuedAt)];

    private void Prune(DateTimeOffset now)
    {
        foreach (var (value, token) in _tokens)
        {
            var deadSince = token.ExpiresAt ?? (token.IdleTimeout is { } idle ? token.LastUsed + idle : DateTimeOffset.MaxValue);
            if (now - deadSince > ForgetAfter)
            {
                _tokens.TryRemove(new KeyValuePair<string, IssuedToken>(value, token));
            }
        }
    }
}
