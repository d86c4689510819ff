namespace AuthProxy.Tokens.Fleet;

/// <summary>Where a token sits in the shared cache: its entry key and its tag. Attached to the <see cref="AccessToken"/>.</summary>
/// <param name="EntryKey">The Redis key of the entry that holds (or held) the token.</param>
/// <param name="Tag">The token's keyed tag.</param>
internal sealed record SharedTokenRef(string EntryKey, byte[] Tag)
{
    public bool Is(string entryKey, ReadOnlySpan<byte> tag) => EntryKey == entryKey && Tag.AsSpan().SequenceEqual(tag);
}
