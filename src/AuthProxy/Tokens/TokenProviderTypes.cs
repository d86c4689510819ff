using AuthProxy.Configuration;
using AuthProxy.Tokens.CloudPak;
using AuthProxy.Tokens.Iam;
using AuthProxy.Tokens.OAuth2;
using AuthProxy.Tokens.Sklm;

namespace AuthProxy.Tokens;

/// <summary>
/// The registered credential types (one <see cref="TokenProviderType"/> each) and the checks they share: common options,
/// secrets given inline or as files, URLs.
/// </summary>
internal static class TokenProviderTypes
{
    /// <summary>Reports a problem with an option: (option name, reason).</summary>
    public delegate void Report(string option, string reason);

    /// <summary>Every type AuthProxy knows, in the order the README documents them.</summary>
    public static readonly IReadOnlyList<TokenProviderType> All =
    [
        new IamApiKeyType(), new IamTrustedProfileType(), new IamAssumeType(), new VpcInstanceIdentityType(),
        new Cp4dAuthorizeType(), new Cp4dIdentityType(), new Cp4dSigninType(), new ZenApiKeyType(),
        SklmLoginType.Login, SklmLoginType.AccessToken,
        new OAuth2ClientCredentialsType(),
    ];

    private static readonly Dictionary<string, TokenProviderType> ByName = All.ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>The known type names, for error messages and the JSON schema.</summary>
    public static IEnumerable<string> Names => All.Select(t => t.Name);

    public static bool IsKnown(string? type) => type is not null && ByName.ContainsKey(type);

    /// <summary>The descriptor of a type name, or null.</summary>
    public static TokenProviderType? Find(string? type) => type is not null && ByName.TryGetValue(type, out var found) ? found : null;

    /// <summary>Creates the source of a validated provider.</summary>
    public static ITokenSource CreateSource(TokenProviderOptions options, TimeProvider time) =>
        Find(options.Type)?.Create(options, time) ?? throw new InvalidOperationException($"Unknown token provider type '{options.Type}'.");

    /// <summary>Checks a provider's options: the type's own rules, then the common ones.</summary>
    public static void Validate(TokenProviderOptions options, Report report)
    {
        if (string.IsNullOrWhiteSpace(options.Type))
        {
            report("Type", $"required; one of {string.Join(", ", Names)}");
            return;
        }

        if (Find(options.Type) is not { } entry)
        {
            report("Type", $"unknown provider type '{options.Type}'; expected one of {string.Join(", ", Names)}");
            return;
        }

        entry.Validate(options, report);
        if (options.RefreshAfter is <= 0 or > 1 || double.IsNaN(options.RefreshAfter))
        {
            report("RefreshAfter", "must be a fraction greater than 0 and at most 1 (default 0.8)");
        }

        if (options.Lifetime <= TimeSpan.Zero)
        {
            report("Lifetime", "must be a positive duration such as \"00:20:00\"");
        }

        if (options.ExpiryWindow < TimeSpan.Zero)
        {
            report("ExpiryWindow", "must not be negative");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(10))
        {
            report("Timeout", "must be a positive duration of at most 10 minutes, such as \"00:00:10\"");
        }

        if (!string.IsNullOrEmpty(options.CaCertificateFile) && !File.Exists(options.CaCertificateFile))
        {
            report("CaCertificateFile", "the file it names does not exist");
        }
    }

    /// <summary>A secret must be given inline or as a file; a named file must exist.</summary>
    internal static void RequireSecret(string? inline, string? file, string name, Report report)
    {
        if (string.IsNullOrEmpty(inline) && string.IsNullOrWhiteSpace(file))
        {
            report(name, $"required: set {name} (or an environment variable overriding it) or {name}File");
            return;
        }

        if (string.IsNullOrEmpty(inline) && !File.Exists(file))
        {
            report(name + "File", $"the file it names does not exist (it holds the path of a file containing the {name}, not the {name} itself)");
        }
    }

    /// <summary>Requires a plain setting.</summary>
    internal static void Require(string? value, string name, Report report)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            report(name, "required");
        }
    }

    /// <summary>A required URL: present, absolute http or https.</summary>
    internal static void RequireUrl(string? value, string name, Report report)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            report(name, "required: an absolute http or https URL");
            return;
        }

        CheckUrl(value, name, report);
    }

    /// <summary>An optional URL must be absolute http or https.</summary>
    internal static void CheckUrl(string? value, string name, Report report)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            report(name, $"{SafeDisplay.Subject(value)} is not an absolute http or https URL");
        }
        else if (uri.UserInfo.Length > 0)
        {
            report(name, "must not carry user information (user:password@): credentials belong in the provider's secret options");
        }
    }
}
