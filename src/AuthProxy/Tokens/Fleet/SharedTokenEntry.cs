namespace AuthProxy.Tokens.Fleet;

/// <summary>A token as the shared cache holds it, once opened: the header value and the instants it was obtained with.</summary>
/// <param name="HeaderValue">The full <c>Authorization</c> value. Secret.</param>
/// <param name="ObtainedAt">When the replica that fetched it received it.</param>
/// <param name="IssuedAt">When the issuer says it was issued.</param>
/// <param name="ExpiresAt">When it expires.</param>
/// <param name="Tag">Its keyed tag (<see cref="SharedTokenCodec.Tag"/>), which names it in Redis without revealing it.</param>
internal sealed record SharedTokenEntry(string HeaderValue, DateTimeOffset ObtainedAt, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, byte[] Tag)
{
    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"SharedTokenEntry(expiresAt={ExpiresAt:O}, ***)";
}
