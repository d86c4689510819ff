using System.Text.Json;
using System.Text.Json.Nodes;
using AuthProxy.Tests.Sandbox;

namespace AuthProxy.Tests.Configuration;

/// <summary>
/// The configuration files the repository ships: <c>config/authproxy.json</c>, <c>config/examples/*.json</c> and the
/// <c>authproxy.json</c> embedded in the Kubernetes ConfigMaps (the base's and the trusted-profile example's). Paths are
/// relative to the repository root.
/// </summary>
internal static class ShippedConfigs
{
    public const string DefaultConfig = "config/authproxy.json";
    public const string SandboxIdentitiesConfig = "config/sandbox-identities.json";
    public const string Schema = "config/authproxy.schema.json";
    public const string ConfigMap = "deploy/kubernetes/base/configmap.yaml";
    public const string TrustedProfileConfigMap = "deploy/kubernetes/examples/trusted-profile/authproxy-config.yaml";

    public static readonly JsonDocumentOptions JsonWithComments = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static string RepositoryRoot { get; } = Path.GetDirectoryName(ConfigFiles.Directory)!;

    public static string FullPath(string relative) => Path.Combine(RepositoryRoot, relative);

    /// <summary>The JSON configuration files (default and examples).</summary>
    public static IReadOnlyList<string> JsonFiles() =>
    [
        DefaultConfig,
        SandboxIdentitiesConfig,
        .. Directory.GetFiles(FullPath("config/examples"), "*.json")
            .Select(f => Path.GetRelativePath(RepositoryRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Every shipped configuration, the ConfigMaps' included.</summary>
    public static IReadOnlyList<string> All() => [.. JsonFiles(), ConfigMap, TrustedProfileConfigMap];

    /// <summary>The shipped configurations meant for real IBM services (all but the sandbox default), which must hold no secret.</summary>
    public static IReadOnlyList<string> ForRealServices() => [.. All().Where(f => f != DefaultConfig && f != SandboxIdentitiesConfig)];

    /// <summary>The configuration's JSON text: the file itself, or the ConfigMap's <c>authproxy.json</c> block.</summary>
    public static string ReadJson(string relative)
    {
        var text = File.ReadAllText(FullPath(relative));
        return relative.EndsWith(".yaml", StringComparison.Ordinal) ? ConfigMapEntry(text, "authproxy.json") : text;
    }

    public static JsonObject Parse(string relative) =>
        JsonNode.Parse(ReadJson(relative), documentOptions: JsonWithComments)?.AsObject()
        ?? throw new InvalidDataException($"{relative} holds no JSON object");

    /// <summary>
    /// Writes a copy the proxy can validate on this machine: a secret the file leaves to the environment gets a dummy
    /// inline value, and every <c>…File</c> path (secrets under /run/secrets, CA files) points at a temp file that exists.
    /// </summary>
    public static string WriteValidatableCopy(string relative, string folder)
    {
        var json = Parse(relative);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        PointFilesAtTemp(json, folder, files);
        foreach (var (_, provider) in json["TokenProviders"]?.AsObject() ?? [])
        {
            if (provider is JsonObject options && MissingSecret(options) is { } secret)
            {
                options[secret] = "dummy-secret-from-environment";
            }
        }

        var path = Path.Combine(folder, Path.GetFileNameWithoutExtension(relative) + ".json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    /// <summary>The secret a provider of this type needs when the file has neither it nor its …File option.</summary>
    public static string? MissingSecret(JsonObject provider)
    {
        bool Has(params string[] names) => names.Any(provider.ContainsKey);
        return (string?)provider["Type"] switch
        {
            "IamApiKey" or "IamAssume" or "ZenApiKey" => Has("ApiKey", "ApiKeyFile") ? null : "ApiKey",
            "OAuth2ClientCredentials" => Has("ClientSecret", "ClientSecretFile") ? null : "ClientSecret",
            "Cp4dAuthorize" => Has("ApiKey", "ApiKeyFile", "Password", "PasswordFile") ? null : "ApiKey",
            "Cp4dIdentity" or "Cp4dSignin" or "SklmLogin" or "SklmAccessToken" => Has("Password", "PasswordFile") ? null : "Password",
            _ => null,
        };
    }

    private static void PointFilesAtTemp(JsonNode? node, string folder, Dictionary<string, string> files)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (name.EndsWith("File", StringComparison.Ordinal) && value is JsonValue v && v.TryGetValue<string>(out var original))
                    {
                        if (!files.TryGetValue(original, out var copy))
                        {
                            copy = Path.Combine(folder, $"file-{files.Count}");
                            // Distinct contents: two inbound clients may not share a key.
                            File.WriteAllText(copy, $"dummy-content-{files.Count}-{Guid.NewGuid():N}\n");
                            files[original] = copy;
                        }

                        obj[name] = copy;
                    }
                    else
                    {
                        PointFilesAtTemp(value, folder, files);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    PointFilesAtTemp(item, folder, files);
                }

                break;
        }
    }

    /// <summary>A literal block scalar (<c>key: |</c>) from a ConfigMap's <c>data</c>, with its indentation removed.</summary>
    private static string ConfigMapEntry(string yaml, string key)
    {
        var lines = yaml.ReplaceLineEndings("\n").Split('\n');
        var start = Array.FindIndex(lines, l => l.Trim() == $"{key}: |");
        if (start < 0)
        {
            throw new InvalidDataException($"no '{key}: |' block in the ConfigMap");
        }

        var keyIndent = lines[start].Length - lines[start].TrimStart().Length;
        var block = lines.Skip(start + 1)
            .TakeWhile(l => l.Trim().Length == 0 || l.Length - l.TrimStart().Length > keyIndent)
            .ToList();
        var indent = block.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', block.Select(l => l.Length >= indent ? l[indent..] : l.Trim()));
    }
}
