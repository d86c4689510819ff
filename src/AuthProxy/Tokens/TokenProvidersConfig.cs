using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using AuthProxy.Configuration;

namespace AuthProxy.Tokens;

/// <summary>
/// Reads and checks the <c>TokenProviders</c> section: every entry's options against its type, each problem with
/// its config key path. Valid entries become <see cref="ProviderDefinition"/>s; an invalid one is left out (its
/// problems reject the configuration as a whole).
/// </summary>
internal static class TokenProvidersConfig
{
    /// <summary>The configuration section.</summary>
    public const string Section = "TokenProviders";

    private static readonly Dictionary<string, PropertyInfo> ProviderProperties = typeof(TokenProviderOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads every provider of the section under <paramref name="configuration"/>.</summary>
    public static IReadOnlyList<ProviderDefinition> Read(IConfiguration configuration, List<ConfigProblem> problems, List<ConfigProblem>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var section = configuration.GetSection(Section);
        var providers = new List<ProviderDefinition>();
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add(new ConfigProblem(section.Path, "must be an object mapping provider names to { \"Type\": … }"));
            return providers;
        }

        foreach (var entry in section.GetChildren())
        {
            if (ReadEntry(entry, problems, warnings) is { } provider)
            {
                providers.Add(provider);
            }
        }

        return providers;
    }

    /// <summary>The names the section declares, valid or not (a route naming one of them is not also an unknown-provider problem).</summary>
    public static IEnumerable<string> DeclaredNames(IConfiguration configuration) =>
        configuration.GetSection(Section).GetChildren().Select(c => c.Key);

    private static ProviderDefinition? ReadEntry(IConfigurationSection entry, List<ConfigProblem> problems, List<ConfigProblem>? warnings)
    {
        var path = entry.Path;
        if (entry.Value is not null)
        {
            problems.Add(new ConfigProblem(path, $"provider '{entry.Key}' must be an object with at least \"Type\", not a single value"));
            return null;
        }

        if (!entry.GetChildren().Any())
        {
            problems.Add(new ConfigProblem(path, $"provider '{entry.Key}' is empty (null or {{}}); it needs at least \"Type\""));
            return null;
        }

        var before = problems.Count;
        var type = TokenProviderTypes.Find(entry[nameof(TokenProviderOptions.Type)]);
        foreach (var option in entry.GetChildren())
        {
            if (!ProviderProperties.TryGetValue(option.Key, out var property))
            {
                problems.Add(new ConfigProblem(option.Path, $"unknown option '{option.Key}'"));
            }
            else if (type is not null && !TokenProviderType.CommonOptions.Contains(property.Name) && !type.Options.Contains(property.Name))
            {
                problems.Add(new ConfigProblem(option.Path,
                    $"does not apply to type '{type.Name}' (its options: {string.Join(", ", type.Options)}, and the common ones)"));
            }
            else if (property.PropertyType == typeof(Dictionary<string, string>))
            {
                CheckNameValueObject(option, problems);
            }
            else if (option.Value is null && option.GetChildren().Any())
            {
                problems.Add(new ConfigProblem(option.Path, "must be a single value, not an object or array"));
            }
            else if (option.Value is { } value && !CanConvert(value, property.PropertyType))
            {
                problems.Add(new ConfigProblem(option.Path, Expected(property.PropertyType)));
            }
        }

        if (problems.Count != before)
        {
            return null;
        }

        var options = new TokenProviderOptions();
        entry.Bind(options);
        TokenProviderTypes.Validate(options, (option, reason) => problems.Add(new ConfigProblem($"{path}:{option}", reason)));
        WarnAboutWritableFiles(entry, options, warnings);
        return problems.Count == before ? new ProviderDefinition(entry.Key, options, Fingerprint(entry)) : null;
    }

    /// <summary>A secret or CA file anyone may write is a credential (or a trust anchor) anyone may replace.</summary>
    private static void WarnAboutWritableFiles(IConfigurationSection entry, TokenProviderOptions options, List<ConfigProblem>? warnings)
    {
        if (warnings is null)
        {
            return;
        }

        foreach (var (option, file) in new[]
        {
            (nameof(options.ApiKeyFile), options.ApiKeyFile), (nameof(options.PasswordFile), options.PasswordFile),
            (nameof(options.ClientSecretFile), options.ClientSecretFile), (nameof(options.CrTokenFile), options.CrTokenFile),
            (nameof(options.CaCertificateFile), options.CaCertificateFile),
        })
        {
            if (!string.IsNullOrWhiteSpace(file) && FileStamp.TryGet(file, out var stamp) && stamp.IsWorldWritable)
            {
                warnings.Add(new ConfigProblem($"{entry.Path}:{option}", "the file it names can be written by any user of this host (chmod o-w it)"));
            }
        }
    }

    /// <summary>An object option (<c>Parameters</c>): names mapped to single values.</summary>
    private static void CheckNameValueObject(IConfigurationSection option, List<ConfigProblem> problems)
    {
        if (!string.IsNullOrEmpty(option.Value))
        {
            problems.Add(new ConfigProblem(option.Path, "must be an object of names and string values, e.g. { \"resource\": \"https://api.example.com\" }"));
            return;
        }

        foreach (var field in option.GetChildren())
        {
            if (field.Value is null && field.GetChildren().Any())
            {
                problems.Add(new ConfigProblem(field.Path, "must be a single value, not an object or array"));
            }
        }
    }

    private static bool CanConvert(string value, Type type)
    {
        if (type == typeof(double))
        {
            return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        }

        if (type == typeof(TimeSpan))
        {
            return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _);
        }

        if (type == typeof(bool))
        {
            return bool.TryParse(value, out _);
        }

        return true;
    }

    // The value itself is not shown: whatever was typed into the wrong option might be a secret.
    private static string Expected(Type type) =>
        type == typeof(TimeSpan) ? "is not a duration; use a TimeSpan string such as \"00:00:10\""
        : type == typeof(double) ? "is not a number"
        : type == typeof(bool) ? "is not true or false"
        : $"is not a valid {type.Name}";

    /// <summary>A hash of every setting of the entry; detects a changed provider without keeping its secrets around in clear.</summary>
    private static string Fingerprint(IConfigurationSection entry)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in entry.AsEnumerable(makePathsRelative: true).OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
        {
            text.Append(key.ToUpperInvariant()).Append('=').Append(value).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
