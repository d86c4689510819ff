using AuthProxy.Configuration;
using AuthProxy.Tokens.CloudPak;
using AuthProxy.Tokens.Iam;
using AuthProxy.Tokens.Sklm;

namespace AuthProxy.Tokens;

/// <summary>
/// The provider types AuthProxy knows (CONTRACT §2): how to validate each one's options and how to create its source.
/// Adding a type is one entry here plus its source class.
/// </summary>
internal static class TokenProviderTypes
{
    /// <summary>Reports a problem with an option: (option name, reason).</summary>
    public delegate void Report(string option, string reason);

    private sealed record TypeEntry(Func<TokenProviderOptions, TimeProvider, ITokenSource> Create, Action<TokenProviderOptions, Report> Validate);

    private static readonly Dictionary<string, TypeEntry> Types = new(StringComparer.Ordinal)
    {
        ["IamApiKey"] = new(static (o, t) => new IamApiKeySource(o, t), static (o, report) =>
        {
            RequireSecret(o.ApiKey, o.ApiKeyFile, "ApiKey", report);
            CheckUrl(o.TokenUrl, "TokenUrl", report);
            if (!string.IsNullOrEmpty(o.ClientId))
            {
                RequireSecret(o.ClientSecret, o.ClientSecretFile, "ClientSecret", report);
            }
            else if (!string.IsNullOrEmpty(o.ClientSecret) || !string.IsNullOrWhiteSpace(o.ClientSecretFile))
            {
                report("ClientId", "ClientId and ClientSecret must be set together");
            }
        }),
        ["IamTrustedProfile"] = new(static (o, t) => new IamTrustedProfileSource(o, t), static (o, report) =>
        {
            if (string.IsNullOrWhiteSpace(o.ProfileId) && string.IsNullOrWhiteSpace(o.ProfileName))
            {
                report("ProfileId", "required: set ProfileId or ProfileName");
            }

            CheckUrl(o.TokenUrl, "TokenUrl", report);
            if (!string.IsNullOrWhiteSpace(o.CrTokenFile) && !File.Exists(o.CrTokenFile))
            {
                report("CrTokenFile", "the file it names does not exist");
            }
        }),
        ["Cp4dAuthorize"] = new(static (o, t) => new Cp4dAuthorizeSource(o, t), static (o, report) =>
        {
            RequireUrl(o.Url, "Url", report);
            Require(o.Username, "Username", report);
            if (!string.IsNullOrEmpty(o.Password) || !string.IsNullOrWhiteSpace(o.PasswordFile))
            {
                RequireSecret(o.Password, o.PasswordFile, "Password", report);
            }
            else if (string.IsNullOrEmpty(o.ApiKey) && string.IsNullOrWhiteSpace(o.ApiKeyFile))
            {
                report("ApiKey", "required: set ApiKey or Password (or ApiKeyFile or PasswordFile)");
            }
            else
            {
                RequireSecret(o.ApiKey, o.ApiKeyFile, "ApiKey", report);
            }
        }),
        ["Cp4dIdentity"] = new(static (o, t) => new Cp4dIdentitySource(o, t), static (o, report) =>
        {
            RequireUrl(o.Url, "Url", report);
            CheckUrl(o.IdentityUrl, "IdentityUrl", report);
            Require(o.Username, "Username", report);
            RequireSecret(o.Password, o.PasswordFile, "Password", report);
        }),
        ["Cp4dSignin"] = new(static (o, t) => new Cp4dSigninSource(o, t), static (o, report) =>
        {
            RequireUrl(o.Url, "Url", report);
            Require(o.Username, "Username", report);
            RequireSecret(o.Password, o.PasswordFile, "Password", report);
        }),
        ["ZenApiKey"] = new(static (o, t) => new ZenApiKeySource(o, t), static (o, report) =>
        {
            Require(o.Username, "Username", report);
            RequireSecret(o.ApiKey, o.ApiKeyFile, "ApiKey", report);
        }),
        ["SklmLogin"] = new(static (o, t) => new SklmLoginSource(o, t), ValidateSklm),
        ["SklmAccessToken"] = new(static (o, t) => new SklmAccessTokenSource(o, t), ValidateSklm),
    };

    /// <summary>The known type names, for error messages and the JSON schema.</summary>
    public static IEnumerable<string> Names => Types.Keys;

    public static bool IsKnown(string? type) => type is not null && Types.ContainsKey(type);

    /// <summary>Creates the source of a validated provider.</summary>
    public static ITokenSource CreateSource(TokenProviderOptions options, TimeProvider time) =>
        Types.TryGetValue(options.Type ?? "", out var entry)
            ? entry.Create(options, time)
            : throw new InvalidOperationException($"Unknown token provider type '{options.Type}'.");

    /// <summary>Checks a provider's options: the type's own rules, then the common ones.</summary>
    public static void Validate(TokenProviderOptions options, Report report)
    {
        if (string.IsNullOrWhiteSpace(options.Type))
        {
            report("Type", $"required; one of {string.Join(", ", Names)}");
            return;
        }

        if (!Types.TryGetValue(options.Type, out var entry))
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

    private static void ValidateSklm(TokenProviderOptions o, Report report)
    {
        RequireUrl(o.Url, "Url", report);
        Require(o.UserId, "UserId", report);
        RequireSecret(o.Password, o.PasswordFile, "Password", report);
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
