using System.Diagnostics.CodeAnalysis;

namespace AuthProxy.Tokens;

/// <summary>Either a token or the reason none could be had.</summary>
public readonly struct TokenResult
{
    /// <summary>A successful result.</summary>
    public TokenResult(AccessToken token) => Token = token;

    /// <summary>A failed result.</summary>
    public TokenResult(TokenFailure failure) => Failure = failure;

    /// <summary>The token, when the result is a success.</summary>
    public AccessToken? Token { get; }

    /// <summary>The failure, when the result is not a success.</summary>
    public TokenFailure? Failure { get; }

    /// <summary>True when <see cref="Token"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Token))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Succeeded => Token is not null;

    /// <summary>Shorthand for a failed result.</summary>
    public static TokenResult Fail(TokenFailureKind kind, string reason, TimeSpan? retryAfter = null) =>
        new(new TokenFailure(kind, reason, retryAfter));

    public static implicit operator TokenResult(AccessToken token) => new(token);

    public static implicit operator TokenResult(TokenFailure failure) => new(failure);

    /// <inheritdoc />
    public override string ToString() => Succeeded ? Token.ToString() : $"Failure({Failure.Kind}: {Failure.Reason})";
}
