using AuthProxy.Configuration;

namespace AuthProxy.InboundAuth;

/// <summary>Reads and checks <c>InboundAuth:JwtIssuers</c>, each problem with its config key path. Nothing is fetched here.</summary>
internal static class JwtIssuerConfigReader
{
    public const string Key = "JwtIssuers";
    public const string IssuerOption = "Issuer";
    public const string AudiencesOption = "Audiences";
    public const string JwksUrlOption = "JwksUrl";
    public const string JwksFileOption = "JwksFile";
    public const string CaCertificateFileOption = "CaCertificateFile";
    public const string JwksBearerTokenFileOption = "JwksBearerTokenFile";

    public static readonly IReadOnlyList<string> Options =
        [IssuerOption, AudiencesOption, JwksUrlOption, JwksFileOption, CaCertificateFileOption, JwksBearerTokenFileOption];

    public static List<JwtIssuerDefinition> Read(IConfigurationSection section, List<ConfigProblem> problems)
    {
        var issuers = new List<JwtIssuerDefinition>();
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add(new ConfigProblem(section.Path, "must be an object mapping issuer names to { \"Issuer\", \"Audiences\", \"JwksUrl\" | \"JwksFile\" }"));
            return issuers;
        }

        var byIss = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in section.GetChildren())
        {
            if (ReadIssuer(entry, problems) is not { } issuer)
            {
                continue;
            }

            if (byIss.TryGetValue(issuer.Issuer, out var other))
            {
                problems.Add(new ConfigProblem($"{entry.Path}:{IssuerOption}", $"is the same as issuer '{other}''s; each iss may be configured once"));
                continue;
            }

            byIss[issuer.Issuer] = issuer.Name;
            issuers.Add(issuer);
        }

        return issuers;
    }

    private static JwtIssuerDefinition? ReadIssuer(IConfigurationSection entry, List<ConfigProblem> problems)
    {
        if (entry.Value is { Length: > 0 } || !entry.GetChildren().Any())
        {
            problems.Add(new ConfigProblem(entry.Path, "must be an object with Issuer, Audiences and JwksUrl or JwksFile"));
            return null;
        }

        var before = problems.Count;
        foreach (var option in entry.GetChildren())
        {
            if (!Options.Contains(option.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add(new ConfigProblem(option.Path, $"unknown option '{option.Key}' (allowed: {string.Join(", ", Options)})"));
            }
            else if (!option.Key.Equals(AudiencesOption, StringComparison.OrdinalIgnoreCase) && option.Value is null && option.GetChildren().Any())
            {
                problems.Add(new ConfigProblem(option.Path, "must be a single value, not an object or array"));
            }
        }

        var issuer = entry[IssuerOption];
        if (string.IsNullOrWhiteSpace(issuer))
        {
            problems.Add(new ConfigProblem($"{entry.Path}:{IssuerOption}", "required: the exact iss claim of the tokens (e.g. https://kubernetes.default.svc)"));
        }

        var audiencesSection = entry.GetSection(AudiencesOption);
        List<string> audiences = audiencesSection.Value is { Length: > 0 } single
            ? [single]
            : audiencesSection.GetChildren().Select(a => a.Value).Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a!).ToList();
        if (audiences.Count == 0)
        {
            problems.Add(new ConfigProblem(audiencesSection.Path, "required: the aud values accepted, e.g. [ \"authproxy\" ]"));
        }

        var url = entry[JwksUrlOption];
        var file = entry[JwksFileOption];
        Uri? jwksUrl = null;
        if (string.IsNullOrWhiteSpace(url) == string.IsNullOrWhiteSpace(file))
        {
            problems.Add(new ConfigProblem($"{entry.Path}:{JwksUrlOption}", "set exactly one of JwksUrl (fetched) and JwksFile (read) for the issuer's signing keys"));
        }
        else if (!string.IsNullOrWhiteSpace(url))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out jwksUrl) || (jwksUrl.Scheme != Uri.UriSchemeHttp && jwksUrl.Scheme != Uri.UriSchemeHttps))
            {
                problems.Add(new ConfigProblem($"{entry.Path}:{JwksUrlOption}", $"{SafeDisplay.Subject(url)} is not an absolute http or https URL"));
            }
        }
        else if (!File.Exists(file))
        {
            problems.Add(new ConfigProblem($"{entry.Path}:{JwksFileOption}", "the file it names does not exist"));
        }

        foreach (var option in new[] { CaCertificateFileOption, JwksBearerTokenFileOption })
        {
            var named = entry[option];
            if (string.IsNullOrWhiteSpace(named))
            {
                continue;
            }

            if (string.IsNullOrWhiteSpace(url))
            {
                problems.Add(new ConfigProblem($"{entry.Path}:{option}", "applies only with JwksUrl"));
            }
            else if (!File.Exists(named))
            {
                problems.Add(new ConfigProblem($"{entry.Path}:{option}", "the file it names does not exist"));
            }
        }

        if (problems.Count != before)
        {
            return null;
        }

        var fingerprint = string.Join("\n", entry.AsEnumerable(makePathsRelative: true).OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
            .Select(p => $"{p.Key.ToUpperInvariant()}={p.Value}"));
        return new JwtIssuerDefinition(entry.Key, issuer!, audiences, jwksUrl, string.IsNullOrWhiteSpace(file) ? null : file,
            NullIfBlank(entry[CaCertificateFileOption]), NullIfBlank(entry[JwksBearerTokenFileOption]), fingerprint);
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
