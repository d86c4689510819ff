using System.Globalization;
using System.Text;
using AuthProxy.Configuration;
using AuthProxy.Tokens;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Reads the <c>InboundAuth</c> section into an <see cref="InboundClientSet"/>, reporting every problem with its
/// config key path. Key files are read here, so a configuration load or reload picks up a rotated key. No problem
/// text contains a key.
/// </summary>
internal static class InboundAuthConfigReader
{
    public const string ClientsKey = "Clients";
    public const string PoliciesKey = "Policies";
    public const string AllowAnonymousKey = "AllowAnonymous";
    public const string JwtIssuersKey = JwtIssuerConfigReader.Key;
    public const string ApiKeyOption = "ApiKey";
    public const string ApiKeyFileOption = "ApiKeyFile";
    public const string ApiKeySha256Option = "ApiKeySha256";
    public const string JwtOption = "Jwt";
    public const string CertificateSha256Option = "CertificateSha256";
    public const string TokenProvidersOption = "TokenProviders";
    public const string JwtIssuerOption = "Issuer";
    public const string JwtSubjectOption = "Subject";

    /// <summary>The options of a client entry.</summary>
    public static readonly IReadOnlyList<string> ClientOptions =
        [ApiKeyOption, ApiKeyFileOption, ApiKeySha256Option, JwtOption, CertificateSha256Option, TokenProvidersOption];

    /// <summary>The sections of <c>InboundAuth</c>.</summary>
    public static readonly IReadOnlyList<string> SectionKeys = [ClientsKey, PoliciesKey, AllowAnonymousKey, JwtIssuersKey];

    /// <summary>Largest key file accepted; a key is a short line.</summary>
    public const long MaxKeyFileBytes = 64 * 1024;

    private const string KeyChoice = "one of ApiKey, ApiKeyFile, ApiKeySha256, Jwt or CertificateSha256";

    /// <summary>Reads and checks the section; the set is complete only when no problem was added.</summary>
    public static InboundClientSet Read(IConfiguration configuration, List<ConfigProblem> problems, List<ConfigProblem>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var section = configuration.GetSection(InboundAuthDefaults.Section);
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add(new ConfigProblem(section.Path, "must be an object with \"Clients\", \"Policies\", \"JwtIssuers\" and \"AllowAnonymous\""));
            return InboundClientSet.Empty;
        }

        foreach (var child in section.GetChildren())
        {
            if (!SectionKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add(new ConfigProblem(child.Path, $"unknown option '{child.Key}' (allowed: {string.Join(", ", SectionKeys)})"));
            }
        }

        var allowAnonymous = ReadAllowAnonymous(section.GetSection(AllowAnonymousKey), problems);
        var issuers = JwtIssuerConfigReader.Read(section.GetSection(JwtIssuersKey), problems);
        var declaredIssuers = section.GetSection(JwtIssuersKey).GetChildren().Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var providers = TokenProvidersConfig.DeclaredNames(configuration).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var clientsSection = section.GetSection(ClientsKey);
        var clients = ReadClients(clientsSection, new ClientContext(issuers, declaredIssuers, providers), problems, warnings);
        var declaredNames = clientsSection.GetChildren().Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var policies = ReadPolicies(section.GetSection(PoliciesKey), declaredNames, problems);
        return new InboundClientSet(clients, policies, allowAnonymous, issuers);
    }

    /// <summary>The value of <c>InboundAuth:AllowAnonymous</c>; false when absent or invalid.</summary>
    public static bool AllowsAnonymous(IConfiguration configuration) =>
        bool.TryParse(configuration[$"{InboundAuthDefaults.Section}:{AllowAnonymousKey}"]?.Trim(), out var allow) && allow;

    /// <summary>True when <c>InboundAuth:Clients</c> declares at least one client.</summary>
    public static bool DeclaresClients(IConfiguration configuration) =>
        configuration.GetSection($"{InboundAuthDefaults.Section}:{ClientsKey}").GetChildren().Any();

    private static bool ReadAllowAnonymous(IConfigurationSection setting, List<ConfigProblem> problems)
    {
        if (setting.Value is null)
        {
            if (setting.GetChildren().Any())
            {
                problems.Add(new ConfigProblem(setting.Path, "must be true or false"));
            }

            return false;
        }

        if (bool.TryParse(setting.Value.Trim(), out var value))
        {
            return value;
        }

        problems.Add(new ConfigProblem(setting.Path, "is not true or false"));
        return false;
    }

    /// <summary>What a client entry is checked against: the issuers (valid and declared) and the declared token providers.</summary>
    private sealed record ClientContext(IReadOnlyList<JwtIssuerDefinition> Issuers, HashSet<string> DeclaredIssuers, HashSet<string> Providers);

    private static List<InboundClient> ReadClients(IConfigurationSection section, ClientContext context, List<ConfigProblem> problems,
        List<ConfigProblem>? warnings)
    {
        var clients = new List<InboundClient>();
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add(new ConfigProblem(section.Path, $"must be an object mapping client names to {{ {KeyChoice} }}"));
            return clients;
        }

        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in section.GetChildren())
        {
            if (ReadClient(entry, context, problems, warnings) is not { } client)
            {
                continue;
            }

            // With X-API-Key the key alone names the client: two clients sharing a key would be indistinguishable. The same
            // holds for a JWT issuer and subject, and for a certificate.
            var (identity, what) = client.Kind switch
            {
                InboundCredentialKind.Jwt => ("jwt:" + client.JwtIssuer!.ToUpperInvariant() + "\n" + client.JwtSubject, "JWT issuer and subject"),
                InboundCredentialKind.Certificate => ("cert:" + Convert.ToHexString(client.CertificateDigest!), "certificate"),
                _ => ("key:" + Convert.ToHexString(client.KeyDigest!), "key"),
            };
            if (owners.TryGetValue(identity, out var owner))
            {
                problems.Add(new ConfigProblem(entry.Path, $"has the same {what} as client '{owner}'; every client needs its own"));
                continue;
            }

            owners[identity] = client.Name;
            clients.Add(client);
        }

        return clients;
    }

    private static InboundClient? ReadClient(IConfigurationSection entry, ClientContext context, List<ConfigProblem> problems,
        List<ConfigProblem>? warnings)
    {
        if (entry.Value is { Length: > 0 })
        {
            problems.Add(new ConfigProblem(entry.Path, $"must be an object with {KeyChoice}"));
            return null;
        }

        var before = problems.Count;
        string? apiKey = null, apiKeyFile = null, apiKeySha256 = null, certificateSha256 = null;
        IConfigurationSection? jwt = null, tokenProviders = null;
        var emptyOptions = new List<string>();
        foreach (var option in entry.GetChildren())
        {
            var isObject = option.Value is null && option.GetChildren().Any();
            if (option.Key.Equals(JwtOption, StringComparison.OrdinalIgnoreCase))
            {
                jwt = option;
                continue;
            }

            if (option.Key.Equals(TokenProvidersOption, StringComparison.OrdinalIgnoreCase))
            {
                tokenProviders = option;
                continue;
            }

            if (isObject)
            {
                problems.Add(new ConfigProblem(option.Path, ClientOptions.Contains(option.Key, StringComparer.OrdinalIgnoreCase)
                    ? "must be a single value, not an object or array"
                    : $"unknown option '{option.Key}' (allowed: {string.Join(", ", ClientOptions)})"));
                continue;
            }

            // An inline key is used exactly as given; a file name or a digest that is only blanks counts as absent.
            var isApiKey = option.Key.Equals(ApiKeyOption, StringComparison.OrdinalIgnoreCase);
            var value = isApiKey ? (string.IsNullOrEmpty(option.Value) ? null : option.Value)
                : (string.IsNullOrWhiteSpace(option.Value) ? null : option.Value);
            if (isApiKey)
            {
                apiKey = value;
            }
            else if (option.Key.Equals(ApiKeyFileOption, StringComparison.OrdinalIgnoreCase))
            {
                apiKeyFile = value;
            }
            else if (option.Key.Equals(ApiKeySha256Option, StringComparison.OrdinalIgnoreCase))
            {
                apiKeySha256 = value;
            }
            else if (option.Key.Equals(CertificateSha256Option, StringComparison.OrdinalIgnoreCase))
            {
                certificateSha256 = value;
            }
            else
            {
                problems.Add(new ConfigProblem(option.Path, $"unknown option '{option.Key}' (allowed: {string.Join(", ", ClientOptions)})"));
                continue;
            }

            if (value is null)
            {
                emptyOptions.Add(option.Key);
            }
        }

        if (problems.Count != before)
        {
            return null;
        }

        var given = new List<string>(5);
        if (apiKey is not null)
        {
            given.Add(ApiKeyOption);
        }

        if (apiKeyFile is not null)
        {
            given.Add(ApiKeyFileOption);
        }

        if (apiKeySha256 is not null)
        {
            given.Add(ApiKeySha256Option);
        }

        if (jwt is not null)
        {
            given.Add(JwtOption);
        }

        if (certificateSha256 is not null)
        {
            given.Add(CertificateSha256Option);
        }

        if (given.Count == 0)
        {
            problems.Add(emptyOptions.Count > 0
                ? new ConfigProblem($"{entry.Path}:{emptyOptions[0]}", $"is empty; client '{entry.Key}' needs {KeyChoice}")
                : new ConfigProblem(entry.Path, $"client '{entry.Key}' needs {KeyChoice}"));
            return null;
        }

        if (given.Count > 1)
        {
            problems.Add(new ConfigProblem(entry.Path, $"client '{entry.Key}' sets {string.Join(" and ", given)}; each client has exactly one credential: {KeyChoice}"));
            return null;
        }

        var providers = tokenProviders is null ? null : ReadTokenProviders(entry.Key, tokenProviders, context.Providers, problems);
        if (problems.Count != before)
        {
            return null;
        }

        if (jwt is not null)
        {
            return ReadJwtClient(entry.Key, jwt, context, providers, problems);
        }

        if (certificateSha256 is not null)
        {
            var digest = ParseHexDigest(entry.GetSection(CertificateSha256Option).Path, certificateSha256, allowColons: true,
                "must be the SHA-256 of the client's DER certificate as 64 hexadecimal characters (colons allowed); compute it with: " +
                "openssl x509 -in client.pem -outform der | sha256sum", problems);
            return digest is null ? null : InboundClient.ForCertificate(entry.Key, digest, providers);
        }

        if (apiKey is not null && Encoding.UTF8.GetByteCount(apiKey) > InboundCredentials.MaxKeyBytes)
        {
            // Such a key could never be presented: the proxy refuses longer credentials unhashed.
            problems.Add(new ConfigProblem(entry.GetSection(ApiKeyOption).Path,
                $"is longer than {InboundCredentials.MaxKeyBytes} bytes, the longest key a client may send"));
            return null;
        }

        byte[]? keyDigest = apiKey is not null ? InboundCredentials.Digest(apiKey)
            : apiKeyFile is not null ? ReadKeyFile(entry.GetSection(ApiKeyFileOption).Path, apiKeyFile, problems, warnings)
            : ParseSha256(entry.GetSection(ApiKeySha256Option).Path, apiKeySha256!, problems);
        return keyDigest is null ? null : new InboundClient(entry.Key, keyDigest, providers);
    }

    private static InboundClient? ReadJwtClient(string name, IConfigurationSection jwt, ClientContext context, ClientProviderMap? providers,
        List<ConfigProblem> problems)
    {
        var before = problems.Count;
        if (!string.IsNullOrEmpty(jwt.Value) || !jwt.GetChildren().Any())
        {
            problems.Add(new ConfigProblem(jwt.Path, "must be an object { \"Issuer\": \"<InboundAuth:JwtIssuers entry>\", \"Subject\": \"<sub claim>\" }"));
            return null;
        }

        foreach (var option in jwt.GetChildren())
        {
            if (!option.Key.Equals(JwtIssuerOption, StringComparison.OrdinalIgnoreCase) && !option.Key.Equals(JwtSubjectOption, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new ConfigProblem(option.Path, $"unknown option '{option.Key}' (allowed: {JwtIssuerOption}, {JwtSubjectOption})"));
            }
        }

        var issuer = jwt[JwtIssuerOption];
        var subject = jwt[JwtSubjectOption];
        if (string.IsNullOrWhiteSpace(subject))
        {
            problems.Add(new ConfigProblem($"{jwt.Path}:{JwtSubjectOption}", "required: the sub claim of the client's tokens, e.g. system:serviceaccount:<namespace>:<name>"));
        }

        if (string.IsNullOrWhiteSpace(issuer))
        {
            problems.Add(new ConfigProblem($"{jwt.Path}:{JwtIssuerOption}", "required: the name of an InboundAuth:JwtIssuers entry"));
        }
        else if (!context.DeclaredIssuers.Contains(issuer))
        {
            var known = context.DeclaredIssuers.Count == 0 ? "none" : string.Join(", ", context.DeclaredIssuers.Order(StringComparer.OrdinalIgnoreCase));
            problems.Add(new ConfigProblem($"{jwt.Path}:{JwtIssuerOption}",
                $"client '{name}' names JWT issuer '{issuer}', which is not an InboundAuth:JwtIssuers entry (configured: {known})"));
        }

        if (problems.Count != before)
        {
            return null;
        }

        // The issuer's own problems are reported where it is defined; the client is simply left out then.
        var definition = context.Issuers.FirstOrDefault(i => i.Name.Equals(issuer, StringComparison.OrdinalIgnoreCase));
        return definition is null ? null : InboundClient.ForJwt(name, definition.Name, subject!, providers);
    }

    /// <summary>A client's own providers: each key and value must be a configured provider (validation names the mapping's path).</summary>
    private static ClientProviderMap? ReadTokenProviders(string client, IConfigurationSection section, HashSet<string> providers,
        List<ConfigProblem> problems)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add(new ConfigProblem(section.Path, "must be an object mapping a route's provider to the client's own, e.g. { \"kp\": \"kp-billing\" }"));
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var known = providers.Count == 0 ? "none" : string.Join(", ", providers.Order(StringComparer.OrdinalIgnoreCase));
        foreach (var mapping in section.GetChildren())
        {
            if (mapping.Value is null)
            {
                problems.Add(new ConfigProblem(mapping.Path, "must name a token provider"));
                continue;
            }

            if (!providers.Contains(mapping.Key))
            {
                problems.Add(new ConfigProblem(mapping.Path,
                    $"client '{client}' maps token provider '{mapping.Key}', which is not configured (configured: {known})"));
            }

            if (string.IsNullOrWhiteSpace(mapping.Value) || !providers.Contains(mapping.Value))
            {
                problems.Add(new ConfigProblem(mapping.Path,
                    $"client '{client}' maps '{mapping.Key}' to token provider '{mapping.Value}', which is not configured (configured: {known})"));
            }

            map[mapping.Key] = mapping.Value;
        }

        return map.Count == 0 ? null : new ClientProviderMap(client, map);
    }

    private static byte[]? ReadKeyFile(string path, string file, List<ConfigProblem> problems, List<ConfigProblem>? warnings)
    {
        var outcome = SmallFile.TryReadTrimmed(file, MaxKeyFileBytes, out var key, out var stamp);
        if (outcome != SmallFileOutcome.Read)
        {
            problems.Add(new ConfigProblem(path, outcome == SmallFileOutcome.Missing
                ? "the key file it names does not exist (ApiKeyFile holds the path of a file containing the key, not the key itself)"
                : $"the key file it names {SmallFile.Describe(outcome, MaxKeyFileBytes)}{(outcome == SmallFileOutcome.TooLarge ? "; it should hold just the key" : "")}"));
            return null;
        }

        if (stamp.IsWorldWritable)
        {
            warnings?.Add(new ConfigProblem(path, "the key file it names can be written by any user of this host (chmod o-w it)"));
        }

        if (Encoding.UTF8.GetByteCount(key) > InboundCredentials.MaxKeyBytes)
        {
            problems.Add(new ConfigProblem(path, $"the key in the file it names is longer than {InboundCredentials.MaxKeyBytes} bytes, the longest key a client may send"));
            return null;
        }

        return InboundCredentials.Digest(key);
    }

    private static byte[]? ParseSha256(string path, string value, List<ConfigProblem> problems) =>
        ParseHexDigest(path, value, allowColons: false,
            $"must be the SHA-256 of the key as {InboundCredentials.DigestLength * 2} hexadecimal characters; compute it with: printf %s \"$KEY\" | sha256sum",
            problems);

    private static byte[]? ParseHexDigest(string path, string value, bool allowColons, string expected, List<ConfigProblem> problems)
    {
        var hex = value.Trim();
        if (allowColons)
        {
            hex = hex.Replace(":", "", StringComparison.Ordinal);
        }

        if (hex.Length == InboundCredentials.DigestLength * 2 && hex.All(char.IsAsciiHexDigit))
        {
            return Convert.FromHexString(hex);
        }

        problems.Add(new ConfigProblem(path, $"{expected} (got {hex.Length.ToString(CultureInfo.InvariantCulture)} hexadecimal characters)"));
        return null;
    }

    private static Dictionary<string, IReadOnlyList<string>> ReadPolicies(IConfigurationSection section, HashSet<string> declaredClients,
        List<ConfigProblem> problems)
    {
        var policies = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add(new ConfigProblem(section.Path, "must be an object mapping policy names to arrays of client names"));
            return policies;
        }

        var known = declaredClients.Count == 0 ? "none" : string.Join(", ", declaredClients.Order(StringComparer.OrdinalIgnoreCase));
        foreach (var policy in section.GetChildren())
        {
            if (InboundPolicies.IsReserved(policy.Key))
            {
                problems.Add(new ConfigProblem(policy.Path,
                    $"'{policy.Key}' is reserved by YARP (a route's AuthorizationPolicy '{InboundAuthDefaults.DefaultPolicyName}' means any known client, " +
                    $"'{InboundAuthDefaults.AnonymousPolicyName}' no client); choose another policy name"));
                continue;
            }

            var members = policy.GetChildren().ToList();
            if (members.Count == 0)
            {
                problems.Add(string.IsNullOrEmpty(policy.Value)
                    ? new ConfigProblem(policy.Path, "is empty; list the clients it allows, e.g. [ \"billing-app\" ]")
                    : new ConfigProblem(policy.Path, "must be an array of client names, e.g. [ \"billing-app\" ]"));
                continue;
            }

            var names = new List<string>(members.Count);
            var valid = true;
            foreach (var member in members)
            {
                if (string.IsNullOrWhiteSpace(member.Value))
                {
                    problems.Add(new ConfigProblem(member.Path, member.GetChildren().Any()
                        ? "must be a client name, not an object or array"
                        : "is empty; name a client from InboundAuth:Clients"));
                    valid = false;
                }
                else if (!declaredClients.Contains(member.Value))
                {
                    problems.Add(new ConfigProblem(member.Path, $"policy '{policy.Key}' names unknown client '{Shorten(member.Value)}' (configured: {known})"));
                    valid = false;
                }
                else
                {
                    names.Add(member.Value);
                }
            }

            if (valid)
            {
                policies[policy.Key] = names;
            }
        }

        return policies;
    }

    private static string Shorten(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
