using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using AuthProxy.InboundAuth;
using AuthProxy.Tokens;

namespace AuthProxy.Configuration;

/// <summary>
/// The one source of truth for configuration rules, used at start-up, on live reload and by
/// <c>AuthProxy validate</c>. Collects every problem with its config key path rather than stopping at the first.
/// </summary>
internal static class ConfigValidator
{
    public const string TokenProvidersSection = "TokenProviders";
    public const string ReverseProxySection = "ReverseProxy";

    private static readonly Dictionary<string, PropertyInfo> ProviderProperties = typeof(TokenProviderOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Validates a configuration (the file plus environment overrides).</summary>
    public static ValidatedConfig Validate(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        var providers = ValidateProviders(configuration.GetSection(TokenProvidersSection), problems);
        ValidateClusters(configuration.GetSection(ReverseProxySection), problems);
        // Every named provider counts as known to routes, valid or not: its own problems are already reported.
        var providerNames = configuration.GetSection(TokenProvidersSection).GetChildren().Select(c => c.Key);
        ReverseProxyConfigCheck.Validate(configuration.GetSection(ReverseProxySection), providerNames, problems);
        InboundAuthValidator.Validate(configuration, problems);
        return new ValidatedConfig(providers, problems);
    }

    private static List<ProviderDefinition> ValidateProviders(IConfigurationSection section, List<ConfigProblem> problems)
    {
        var providers = new List<ProviderDefinition>();
        foreach (var entry in section.GetChildren())
        {
            var path = entry.Path;
            if (entry.Value is not null)
            {
                problems.Add(new ConfigProblem(path, "must be an object with at least \"Type\""));
                continue;
            }

            var before = problems.Count;
            foreach (var option in entry.GetChildren())
            {
                if (!ProviderProperties.TryGetValue(option.Key, out var property))
                {
                    problems.Add(new ConfigProblem(option.Path, $"unknown option '{option.Key}'"));
                }
                else if (option.Value is null && option.GetChildren().Any())
                {
                    problems.Add(new ConfigProblem(option.Path, "must be a single value, not an object or array"));
                }
                else if (option.Value is { } value && !CanConvert(value, property.PropertyType))
                {
                    problems.Add(new ConfigProblem(option.Path, Expected(value, property.PropertyType)));
                }
            }

            if (problems.Count != before)
            {
                continue;
            }

            var options = new TokenProviderOptions();
            entry.Bind(options);
            TokenProviderTypes.Validate(options, (option, reason) => problems.Add(new ConfigProblem($"{path}:{option}", reason)));
            if (problems.Count == before)
            {
                providers.Add(new ProviderDefinition(entry.Key, options, Fingerprint(entry)));
            }
        }

        return providers;
    }

    private static void ValidateClusters(IConfigurationSection reverseProxy, List<ConfigProblem> problems)
    {
        foreach (var cluster in reverseProxy.GetSection("Clusters").GetChildren())
        {
            foreach (var destination in cluster.GetSection("Destinations").GetChildren())
            {
                var address = destination.GetSection("Address");
                if (!Uri.TryCreate(address.Value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    problems.Add(new ConfigProblem(address.Path, $"'{address.Value}' is not an absolute http or https URL"));
                }
            }
        }
    }

    private static bool CanConvert(string value, Type type)
    {
        if (type == typeof(string))
        {
            return true;
        }

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

    private static string Expected(string value, Type type)
    {
        var shown = value.Length > 40 ? value[..40] + "…" : value;
        return type == typeof(TimeSpan) ? $"'{shown}' is not a duration; use a TimeSpan string such as \"00:00:10\""
            : type == typeof(double) ? $"'{shown}' is not a number"
            : type == typeof(bool) ? $"'{shown}' is not true or false"
            : $"'{shown}' is not a valid {type.Name}";
    }

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
