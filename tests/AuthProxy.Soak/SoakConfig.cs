using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Hosting;

namespace AuthProxy.Soak;

/// <summary>An edit the soak writes to the watched config file, and what the proxy must make of it.</summary>
/// <param name="Name">Short name for the report.</param>
/// <param name="Bytes">The file content.</param>
/// <param name="Valid">True when the proxy must apply it; false when it must reject it and keep serving.</param>
/// <param name="ExpectedError">For an invalid edit: text the rejection must contain (a config key path or the cause).</param>
/// <param name="Generation">For a valid edit: the generation header value routes carry once it applies.</param>
internal sealed record ConfigEdit(string Name, byte[] Bytes, bool Valid, string? ExpectedError, int? Generation = null);

/// <summary>
/// Writes the soak's proxy configuration: every provider type against the emulators, one route per flow, one inbound
/// client whose key the load sends. Valid edits change only a header value on every route and add or remove a route
/// nobody calls, so no provider changes and no token may be dropped by a reload.
/// </summary>
internal sealed class SoakConfig
{
    public const string ClientName = "soak-client";
    public const string OtherClientName = "other-client";
    public const string GenerationHeader = "x-soak-generation";
    public const string SklmPolicy = "sklm-clients";

    private readonly SandboxEmulators _emulators;
    private readonly SoakOptions _options;

    public SoakConfig(SandboxEmulators emulators, SoakOptions options)
    {
        _emulators = emulators;
        _options = options;
        ClientKey = NewKey();
        OtherClientKey = NewKey();
    }

    /// <summary>The inbound key every load request sends (a secret the logs must never show).</summary>
    public string ClientKey { get; }

    /// <summary>A second client, known to the proxy but outside the SKLM policy.</summary>
    public string OtherClientKey { get; }

    /// <summary>Every secret in the configuration, for the log scan.</summary>
    public IReadOnlyList<string> Secrets =>
    [
        SandboxDefaults.ApiKey, SandboxDefaults.CloudPakApiKey, SandboxDefaults.CloudPakPassword, SandboxDefaults.SklmPassword,
        ClientKey, OtherClientKey,
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SandboxDefaults.CloudPakUsername}:{SandboxDefaults.CloudPakApiKey}")),
        .. EncryptionKey is null ? Array.Empty<string>() : [EncryptionKey],
    ];

    /// <summary>The provider lifetime model the analysis uses.</summary>
    public LifetimeModel? Lifetime(ProviderSpec provider)
    {
        if (!provider.Fetches)
        {
            return null;
        }

        var shortLived = _options.Faults.HasFlag(Faults.Lifetimes);
        return provider.Emulator switch
        {
            "iam" => new LifetimeModel(shortLived ? SoakTimes.IamLifetime : TimeSpan.FromHours(1), SecondsResolution: true),
            "cloudpak" => new LifetimeModel(shortLived ? SoakTimes.CloudPakLifetime : TimeSpan.FromHours(12), SecondsResolution: true),
            _ => new LifetimeModel(shortLived ? SoakTimes.SklmLifetime : TimeSpan.FromMinutes(20), SecondsResolution: false),
        };
    }

    /// <summary>The configuration of <paramref name="generation"/>: routes carry it in <see cref="GenerationHeader"/>.</summary>
    public JsonObject Build(int generation)
    {
        var providers = new JsonObject
        {
            ["kp"] = Provider("IamApiKey", ("ApiKey", SandboxDefaults.ApiKey), ("TokenUrl", _emulators.Iam.TokenUrl)),
            ["cpd-authorize"] = Provider("Cp4dAuthorize", ("Url", _emulators.CloudPak.Url), ("Username", SandboxDefaults.CloudPakUsername),
                ("ApiKey", SandboxDefaults.CloudPakApiKey)),
            ["cpd-identity"] = Provider("Cp4dIdentity", ("Url", _emulators.CloudPak.Url), ("Username", SandboxDefaults.CloudPakUsername),
                ("Password", SandboxDefaults.CloudPakPassword)),
            ["cpd-signin"] = Provider("Cp4dSignin", ("Url", _emulators.CloudPak.Url), ("Username", SandboxDefaults.CloudPakUsername),
                ("Password", SandboxDefaults.CloudPakPassword)),
            ["zen"] = new JsonObject { ["Type"] = "ZenApiKey", ["Username"] = SandboxDefaults.CloudPakUsername, ["ApiKey"] = SandboxDefaults.CloudPakApiKey },
            ["sklm"] = Provider("SklmLogin", ("Url", _emulators.Sklm.Url), ("UserId", SandboxDefaults.SklmUserId), ("Password", SandboxDefaults.SklmPassword)),
            ["sklm-oidc"] = Provider("SklmAccessToken", ("Url", _emulators.Sklm.Url), ("UserId", SandboxDefaults.SklmUserId),
                ("Password", SandboxDefaults.SklmPassword)),
        };
        if (_options.Faults.HasFlag(Faults.Lifetimes))
        {
            ((JsonObject)providers["sklm"]!)["Lifetime"] = Span(SoakTimes.SklmLifetime);
            ((JsonObject)providers["sklm-oidc"]!)["Lifetime"] = Span(SoakTimes.SklmLifetime);
        }

        var routes = new JsonObject();
        foreach (var route in SoakTopology.Routes)
        {
            var transforms = new JsonArray
            {
                new JsonObject { ["PathRemovePrefix"] = route.Prefix },
                AuthToken(route.Provider),
                new JsonObject { ["RequestHeader"] = GenerationHeader, ["Set"] = generation.ToString(CultureInfo.InvariantCulture) },
            };
            if (route.Id == "kms")
            {
                transforms.Add(new JsonObject { ["RequestHeader"] = "bluemix-instance", ["Set"] = _emulators.KeyProtect.InstanceId });
            }

            var json = new JsonObject
            {
                ["ClusterId"] = route.Cluster,
                ["Match"] = new JsonObject { ["Path"] = route.Prefix + "/{**rest}" },
                ["Transforms"] = transforms,
            };
            if (route.Sklm)
            {
                json["AuthorizationPolicy"] = SklmPolicy;
            }

            routes[route.Id] = json;
        }

        // A route nobody but the reload check calls, present in odd generations only: a valid edit that changes the route set.
        if (generation % 2 == 1)
        {
            routes["soak-toggle"] = new JsonObject
            {
                ["ClusterId"] = "keyprotect",
                ["Match"] = new JsonObject { ["Path"] = "/soak-toggle/{**rest}" },
                ["Transforms"] = new JsonArray
                {
                    new JsonObject { ["PathRemovePrefix"] = "/soak-toggle" },
                    AuthToken("kp"),
                    new JsonObject { ["RequestHeader"] = "bluemix-instance", ["Set"] = _emulators.KeyProtect.InstanceId },
                },
            };
        }

        var document = new JsonObject
        {
            ["TokenProviders"] = providers,
            ["InboundAuth"] = new JsonObject
            {
                ["Clients"] = new JsonObject
                {
                    [ClientName] = new JsonObject { ["ApiKey"] = ClientKey },
                    [OtherClientName] = new JsonObject { ["ApiKey"] = OtherClientKey },
                },
                ["Policies"] = new JsonObject { [SklmPolicy] = new JsonArray(ClientName) },
            },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = routes,
                ["Clusters"] = new JsonObject
                {
                    ["keyprotect"] = Cluster(_emulators.KeyProtect.Url),
                    ["cloudpak"] = Cluster(_emulators.CloudPak.Url),
                    ["sklm"] = Cluster(_emulators.Sklm.Url),
                },
            },
        };
        if (SharedCache is { } cache)
        {
            // The same section in every edit: a changed one would make every provider start over (tokens dropped).
            document["TokenCache"] = new JsonObject
            {
                ["Redis"] = new JsonObject { ["Configuration"] = cache.Configuration, ["EncryptionKeyFile"] = cache.KeyFile, ["KeyPrefix"] = "authproxy-soak:" },
            };
        }

        return document;
    }

    /// <summary>The fleet's shared token cache (Redis address, encryption key file), or null for a single proxy.</summary>
    public (string Configuration, string KeyFile)? SharedCache { get; set; }

    /// <summary>The fleet's encryption key, added to <see cref="Secrets"/>.</summary>
    public string? EncryptionKey { get; set; }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static byte[] Serialize(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Indented);

    public ConfigEdit Valid(int generation) =>
        new($"valid generation {generation}", Serialize(Build(generation)), Valid: true, ExpectedError: null, generation);

    /// <summary>The invalid edits written during the load, in turn. Each must be rejected as a whole, naming the problem.</summary>
    public ConfigEdit Invalid(int index, int generation)
    {
        var config = Build(generation);
        var providers = (JsonObject)config["TokenProviders"]!;
        var routes = (JsonObject)config["ReverseProxy"]!["Routes"]!;
        switch (index % 6)
        {
            case 0:
                ((JsonArray)routes["kms"]!["Transforms"]!)[1] = new JsonObject { ["AuthToken"] = "no-such-provider" };
                return new("unknown provider on a route", Serialize(config), false, "no-such-provider");
            case 1:
                var text = Serialize(config);
                return new("truncated JSON", text[..(text.Length / 2)], false, "not valid JSON");
            case 2:
                ((JsonObject)providers["kp"]!)["Timeout"] = "soon";
                return new("Timeout of the wrong type", Serialize(config), false, "TokenProviders:kp:Timeout");
            case 3:
                ((JsonObject)providers["cpd-signin"]!)["Type"] = "Cp4dSignon";
                return new("unknown provider type", Serialize(config), false, "TokenProviders:cpd-signin:Type");
            case 4:
                ((JsonObject)providers["sklm"]!).Remove("Password");
                return new("missing secret", Serialize(config), false, "TokenProviders:sklm:Password");
            default:
                ((JsonObject)config["InboundAuth"]!["Policies"]!)[SklmPolicy] = new JsonArray(ClientName, "ghost-client");
                return new("policy naming an unknown client", Serialize(config), false, "ghost-client");
        }
    }

    private JsonObject Provider(string type, params (string Key, string Value)[] settings)
    {
        var json = new JsonObject { ["Type"] = type };
        foreach (var (key, value) in settings)
        {
            json[key] = value;
        }

        json["Timeout"] = Span(_options.TokenTimeout);
        json["RefreshAfter"] = _options.RefreshAfter;
        foreach (var mutation in _options.Mutations)
        {
            var (key, value) = Split(mutation);
            if (!key.Equals("RetryBodyLimit", StringComparison.OrdinalIgnoreCase))
            {
                json[key] = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : value;
            }
        }

        return json;
    }

    private JsonObject AuthToken(string provider)
    {
        var json = new JsonObject { ["AuthToken"] = provider };
        foreach (var mutation in _options.Mutations)
        {
            var (key, value) = Split(mutation);
            if (key.Equals("RetryBodyLimit", StringComparison.OrdinalIgnoreCase))
            {
                json["RetryBodyLimit"] = value;
            }
        }

        return json;
    }

    private static (string Key, string Value) Split(string mutation)
    {
        var eq = mutation.IndexOf('=', StringComparison.Ordinal);
        return eq <= 0 ? throw new ArgumentException($"--mutate '{mutation}': expected KEY=VALUE") : (mutation[..eq], mutation[(eq + 1)..]);
    }

    private static JsonObject Cluster(string url) =>
        new() { ["Destinations"] = new JsonObject { ["emulator"] = new JsonObject { ["Address"] = url + "/" } } };

    private static string Span(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);

    private static string NewKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}
