using AuthProxy.Configuration;

namespace AuthProxy.Tokens;

/// <summary>
/// One credential type (<c>"Type": "IamApiKey"</c>, …): the options it takes, which of them are secrets, how they are
/// checked, how its source is made, and a sample entry. Each type's descriptor lives in its family's folder next to its
/// source; <see cref="TokenProviderTypes.All"/> lists them, and tests, the schema check and the README check enumerate
/// that list. A new type is a descriptor, a source, its option properties on <see cref="TokenProviderOptions"/> (the
/// one bag every entry binds to), a schema entry and a README section.
/// </summary>
internal abstract class TokenProviderType
{
    /// <summary>The common options every type takes (<see cref="TokenProviderOptions"/>' own, besides the type's).</summary>
    public static readonly IReadOnlyList<string> CommonOptions =
    [
        nameof(TokenProviderOptions.Type), nameof(TokenProviderOptions.RefreshAfter), nameof(TokenProviderOptions.Lifetime),
        nameof(TokenProviderOptions.ExpiryWindow), nameof(TokenProviderOptions.Timeout), nameof(TokenProviderOptions.CaCertificateFile),
        nameof(TokenProviderOptions.AcceptAnyServerCertificate),
    ];

    /// <summary>The <c>Type</c> value.</summary>
    public abstract string Name { get; }

    /// <summary>How the credential is obtained, in one line (for messages and docs).</summary>
    public abstract string Summary { get; }

    /// <summary>The options of this type besides <see cref="CommonOptions"/>; any other option is a configuration error.</summary>
    public abstract IReadOnlyList<string> Options { get; }

    /// <summary>The options that hold a secret inline (each may instead be given as <c>…File</c>).</summary>
    public abstract IReadOnlyList<string> SecretOptions { get; }

    /// <summary>True when the type calls a token endpoint (false for a credential computed locally, e.g. <c>ZenApiKey</c>).</summary>
    public virtual bool CallsAnEndpoint => true;

    /// <summary>Checks the type's own options; common options are checked by <see cref="TokenProviderTypes.Validate"/>.</summary>
    public abstract void Validate(TokenProviderOptions options, TokenProviderTypes.Report report);

    /// <summary>Creates the source of a validated entry.</summary>
    public abstract ITokenSource Create(TokenProviderOptions options, TimeProvider time);

    /// <summary>
    /// A minimal valid entry (besides <c>Type</c>) whose endpoints are below <paramref name="baseUrl"/> and whose every
    /// secret is <paramref name="secret"/>; <paramref name="writeFile"/> stores a file the entry needs and returns its path.
    /// </summary>
    public abstract IReadOnlyDictionary<string, string> Sample(string baseUrl, string secret, Func<string, string, string> writeFile);

    /// <summary>The file option that holds <paramref name="secretOption"/> (<c>ApiKey</c> → <c>ApiKeyFile</c>).</summary>
    public static string FileOption(string secretOption) => secretOption + "File";

    public override string ToString() => Name;
}
