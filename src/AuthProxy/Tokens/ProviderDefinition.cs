namespace AuthProxy.Tokens;

/// <summary>A validated provider entry: its name, bound options, and a fingerprint of its settings to detect changes.</summary>
/// <param name="Name">The key under <c>TokenProviders</c>.</param>
/// <param name="Options">The bound options.</param>
/// <param name="Fingerprint">A hash of the entry's settings (secrets included, never shown).</param>
public sealed record ProviderDefinition(string Name, TokenProviderOptions Options, string Fingerprint)
{
    /// <summary>Never prints options (they hold secrets).</summary>
    public override string ToString() => $"ProviderDefinition({Name}, {Options.Type})";
}
