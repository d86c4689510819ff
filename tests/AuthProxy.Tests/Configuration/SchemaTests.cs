using AuthProxy.Tests.Infrastructure;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuthProxy.Configuration;
using AuthProxy.Hosting;
using AuthProxy.InboundAuth;
using AuthProxy.Proxy;
using AuthProxy.Tests.InboundAuth;
using AuthProxy.Tokens;

namespace AuthProxy.Tests.Configuration;

/// <summary>
/// <c>config/authproxy.schema.json</c>: every shipped configuration matches it and passes the proxy's own validator,
/// and the schema agrees with the proxy on provider types, options and the mistakes both catch.
/// </summary>
public sealed class SchemaTests : IDisposable
{
    private const string SchemaDraft = "https://json-schema.org/draft/2020-12/schema";

    private static readonly Lazy<JsonDocument> SchemaDocument = new(() =>
        JsonDocument.Parse(File.ReadAllText(ShippedConfigs.FullPath(ShippedConfigs.Schema))));

    private static readonly Lazy<JsonSchemaSubset> Schema = new(() => new JsonSchemaSubset(SchemaDocument.Value.RootElement));

    /// <summary>A small configuration both the schema and the proxy accept; the mistake cases change one value of it.</summary>
    private static readonly string Baseline = $$"""
    {
      "TokenProviders": { "p": { "Type": "IamApiKey", "ApiKey": "k" } },
      "InboundAuth": {
        "Clients": { "app": { "ApiKeySha256": "{{InboundConfigs.LegacySha256}}" } },
        "Policies": { "pol": [ "app" ] }
      },
      "ReverseProxy": {
        "Routes": {
          "r": {
            "ClusterId": "c",
            "AuthorizationPolicy": "pol",
            "Match": { "Path": "/r/{**rest}" },
            "Transforms": [ { "PathRemovePrefix": "/r" }, { "AuthToken": "p" } ]
          }
        },
        "Clusters": { "c": { "Destinations": { "d": { "Address": "https://upstream.example.com/" } } } }
      }
    }
    """;

    private readonly TempDirectory _folder = new();

    public static TheoryData<string> ShippedFiles => [.. ShippedConfigs.All()];

    public static TheoryData<string> ShippedJsonFiles => [.. ShippedConfigs.JsonFiles()];

    public static TheoryData<string> ConfigsForRealServices => [.. ShippedConfigs.ForRealServices()];

    public static TheoryData<string> ProviderTypes => [.. TokenProviderTypes.Names];

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Schema_IsDraft2020_12_AndUsesOnlyKeywordsTheCheckImplements()
    {
        Assert.Equal(SchemaDraft, SchemaDocument.Value.RootElement.GetProperty("$schema").GetString());
        _ = Schema.Value; // throws on a keyword the subset check does not implement
        Assert.Empty(Schema.Value.Validate(Json(Baseline)));
    }

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void ShippedConfig_MatchesTheSchema(string file)
    {
        var errors = Schema.Value.Validate(Json(ShippedConfigs.ReadJson(file)));

        Assert.True(errors.Count == 0, $"{file}:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
    }

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void ShippedConfig_PassesTheProxyValidator_OnceItsSecretsAreSupplied(string file)
    {
        var copy = ShippedConfigs.WriteValidatableCopy(file, _folder.Path);

        var result = ConfigSnapshot.Load(copy, []);

        Assert.True(result.IsValid, $"{file}:{Environment.NewLine}{string.Join(Environment.NewLine, result.Problems)}");
    }

    [Theory]
    [MemberData(nameof(ShippedJsonFiles))]
    public void ShippedConfigFile_NamesTheSchemaFirst_AfterItsCommentLines(string file)
    {
        var text = File.ReadAllText(ShippedConfigs.FullPath(file));
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        Assert.StartsWith("//", lines[0]); // every shipped file explains itself
        var body = lines.SkipWhile(l => l.StartsWith("//", StringComparison.Ordinal)).ToList();
        Assert.Equal("{", body[0]);

        var first = ShippedConfigs.Parse(file).First();
        Assert.Equal("$schema", first.Key);
        var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ShippedConfigs.FullPath(file))!, (string)first.Value!));
        Assert.Equal(ShippedConfigs.FullPath(ShippedConfigs.Schema), target);
    }

    [Theory]
    [MemberData(nameof(ConfigsForRealServices))]
    public void ConfigForRealServices_HoldsNoSecret(string file)
    {
        var json = ShippedConfigs.Parse(file);

        foreach (var (name, provider) in json["TokenProviders"]?.AsObject() ?? [])
        {
            foreach (var secret in new[] { "ApiKey", "Password", "ClientSecret" })
            {
                Assert.True(provider![secret] is null, $"{file}: TokenProviders:{name}:{secret} is in the file");
            }
        }

        foreach (var (name, client) in json["InboundAuth"]?["Clients"]?.AsObject() ?? [])
        {
            Assert.True(string.IsNullOrEmpty((string?)client!["ApiKey"]), $"{file}: InboundAuth:Clients:{name}:ApiKey is in the file");
        }
    }

    [Fact]
    public void Schema_ProviderTypesAndOptions_AreTheProxys()
    {
        var provider = Def("tokenProvider");
        var types = provider.GetProperty("properties").GetProperty("Type").GetProperty("enum").EnumerateArray().Select(t => t.GetString()!);
        var options = provider.GetProperty("properties").EnumerateObject().Select(p => p.Name);
        var properties = typeof(TokenProviderOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name);

        Assert.Equal(TokenProviderTypes.Names.Order(), types.Order());
        Assert.Equal(properties.Order(), options.Order());
        Assert.All(TokenProviderTypes.Names, type =>
        {
            var rule = Assert.Single(TypeRules(), r => r.Types.Contains(type));
            Assert.All(rule.Allowed, option => Assert.Contains(option, properties));
        });
        Assert.Equal(properties.Order(), TypeRules().SelectMany(r => r.Allowed).Distinct().Order());
    }

    [Fact]
    public void Schema_InboundAuthAndAuthTokenOptions_AreTheProxys()
    {
        var inbound = InboundAuthConfigReader.SectionKeys;
        var client = InboundAuthConfigReader.ClientOptions;
        string[] authToken = [AuthTokenTransformFactory.AuthTokenKey, AuthTokenTransformFactory.RetryBodyLimitKey];

        Assert.Equal(inbound.Order(), Names(Def("inboundAuth").GetProperty("properties")).Order());
        Assert.Equal(client.Order(), Names(Def("inboundClient").GetProperty("properties")).Order());
        Assert.Equal(JwtIssuerConfigReader.Options.Order(), Names(Def("jwtIssuer").GetProperty("properties")).Order());
        var onlyAuthToken = Def("transform").GetProperty("then").GetProperty("propertyNames").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!);
        Assert.Equal(authToken.Order(), onlyAuthToken.Order());
    }

    [Theory]
    [MemberData(nameof(ProviderTypes))]
    public void Schema_OptionsItRequiresPerType_AreOptionsTheProxyRequires(string type)
    {
        var rule = Assert.Single(TypeRules(), r => r.Types.Contains(type));
        var provider = new JsonObject { ["Type"] = type };
        var required = rule.Required.Concat(rule.OneOfRequired.Take(1)).ToList();
        foreach (var option in required)
        {
            provider[option] = option.EndsWith("Url", StringComparison.Ordinal) ? "https://service.example.com" : "value";
        }

        // Secrets are not required by the schema (they may come from the environment); the proxy needs one.
        if (ShippedConfigs.MissingSecret(provider) is { } secret)
        {
            Assert.Contains(secret, rule.Allowed);
            provider[secret] = "secret";
        }

        var complete = WithProvider(provider);
        Assert.Empty(Schema.Value.Validate(Json(complete.ToJsonString())));
        Assert.True(ProxyAccepts(complete, out var problems), problems);

        foreach (var option in required)
        {
            var without = (JsonObject)provider.DeepClone();
            without.Remove(option);
            var config = WithProvider(without);

            Assert.NotEmpty(Schema.Value.Validate(Json(config.ToJsonString())));
            Assert.False(ProxyAccepts(config, out problems), $"{type} without {option} passed the proxy");
            Assert.Contains($"TokenProviders:p:{option}:", problems);
        }
    }

    [Theory]
    [InlineData("TokenProviders.p.Type", "\"IamKey\"", true)]
    [InlineData("TokenProviders.p", """{ "ApiKey": "k" }""", true)]
    [InlineData("TokenProviders.p", """{ "Type": "IamTrustedProfile" }""", true)]
    [InlineData("TokenProviders.p", """{ "Type": "Cp4dAuthorize", "Username": "u", "ApiKey": "k" }""", true)]
    [InlineData("TokenProviders.p", """{ "Type": "ZenApiKey", "ApiKey": "k" }""", true)]
    [InlineData("TokenProviders.p", """{ "Type": "SklmLogin", "Url": "https://s.example.com:9443", "Password": "x" }""", true)]
    [InlineData("TokenProviders.p.ApiKye", "\"k\"", true)]
    [InlineData("TokenProviders.p.TokenUrl", "\"iam.cloud.ibm.com\"", true)]
    [InlineData("TokenProviders.p.RefreshAfter", "1.5", true)]
    [InlineData("TokenProviders.p.RefreshAfter", "0", true)]
    [InlineData("TokenProviders.p.RefreshAfter", "\"most\"", true)]
    [InlineData("TokenProviders.p.Timeout", "\"10s\"", true)]
    [InlineData("TokenProviders.p.AcceptAnyServerCertificate", "\"yes\"", true)]
    [InlineData("TokenProviders.p.Url", "{ \"Value\": \"https://x.example.com\" }", true)]
    [InlineData("InboundAuth.Clients.app", """{ "ApiKeySha256": "abc" }""", true)]
    [InlineData("InboundAuth.Clients.app", """{ "ApiKey": "a", "ApiKeySha256": "0b37458c4c679e11f37440900da77ea069bef823ee2fa74faf1b6bc50fdd2c35" }""", true)]
    [InlineData("InboundAuth.Clients.app", """{ "Key": "a" }""", true)]
    [InlineData("InboundAuth.Policies.Default", """[ "app" ]""", true)]
    [InlineData("InboundAuth.Policies.pol", "[]", true)]
    [InlineData("InboundAuth.AllowAnonymous", "\"yes\"", true)]
    [InlineData("InboundAuth.Anonymous", "true", true)]
    [InlineData("ReverseProxy.Routes.r.Transforms.1", """{ "AuthToken": "p", "Retry": "1" }""", true)]
    [InlineData("ReverseProxy.Routes.r.Transforms.1", """{ "AuthToken": "p", "RetryBodyLimit": "-1" }""", true)]
    [InlineData("ReverseProxy.Routes.r.Transforms.1", """{ "AuthToken": "" }""", true)]
    [InlineData("ReverseProxy.Routes.r.Match", "{}", true)]
    [InlineData("ReverseProxy.Routes.r.Order", "\"first\"", true)]
    [InlineData("ReverseProxy.Clusters.c.Destinations.d.Address", "\"ftp://files.example.com/\"", true)]
    [InlineData("ReverseProxy.Clusters.c.SessionAffinity", """{ "Enabled": true, "Policy": "Sticky" }""", true)]
    [InlineData("ReverseProxy.Clusters.c.LoadBalancingPolicy", "\"Fastest\"", true)]
    [InlineData("TokenProviders.p.ProfileId", "\"Profile-1\"", true)]
    // Stricter than the proxy, which ignores these: unknown top-level sections and route keys; and "25:00:00", which
    // .NET reads as 25 days (the schema wants hours 0-23, days as "d.hh:mm:ss").
    [InlineData("TokenProviders.p.Lifetime", "\"25:00:00\"", false)]
    [InlineData("TokenProvider", "{}", false)]
    [InlineData("ReverseProxy.Routes.r.Path", "\"/r\"", false)]
    public void Schema_RejectsMistakes_TheProxyRejectsToo(string path, string value, bool proxyRejects)
    {
        var config = Change(path, value);

        Assert.NotEmpty(Schema.Value.Validate(Json(config.ToJsonString())));
        Assert.Equal(!proxyRejects, ProxyAccepts(config, out var problems));
        Assert.True(!proxyRejects || problems.Length > 0);
    }

    [Theory]
    [InlineData("TokenProviders.p.RefreshAfter", "\"0.5\"")]
    [InlineData("TokenProviders.p.RefreshAfter", "1")]
    [InlineData("TokenProviders.p.AcceptAnyServerCertificate", "\"true\"")]
    [InlineData("TokenProviders.p.AcceptAnyServerCertificate", "false")]
    [InlineData("TokenProviders.p.Timeout", "\"00:00:02.5\"")]
    [InlineData("TokenProviders.p.Lifetime", "\"1.00:00:00\"")]
    [InlineData("TokenProviders.p.ExpiryWindow", "\"00:00:00\"")]
    [InlineData("TokenProviders.p", """{ "Type": "IamApiKey", "ApiKey": "k", "ClientId": "bx", "ClientSecret": "bx" }""")]
    [InlineData("TokenProviders.p", """{ "Type": "IamTrustedProfile", "ProfileName": "my-profile", "TokenUrl": "https://private.iam.cloud.ibm.com" }""")]
    [InlineData("TokenProviders.p", """{ "Type": "SklmAccessToken", "Url": "https://s.example.com:9443/SKLM", "UserId": "u", "Password": "x" }""")]
    [InlineData("ReverseProxy.Routes.r.Transforms.1", """{ "AuthToken": "p", "RetryBodyLimit": 0 }""")]
    [InlineData("ReverseProxy.Routes.r.Transforms.1", """{ "AuthToken": "p", "RetryBodyLimit": "1048576" }""")]
    [InlineData("ReverseProxy.Routes.r.Transforms.2", """{ "RequestHeader": "bluemix-instance", "Set": "guid" }""")]
    [InlineData("ReverseProxy.Routes.r.Transforms.2", """{ "X-Forwarded": "Set", "For": "Append" }""")]
    [InlineData("ReverseProxy.Routes.r.Order", "\"2\"")]
    [InlineData("ReverseProxy.Routes.r.MaxRequestBodySize", "-1")]
    [InlineData("ReverseProxy.Routes.r.Timeout", "\"00:05:00\"")]
    [InlineData("ReverseProxy.Routes.r.AuthorizationPolicy", "\"Anonymous\"")]
    [InlineData("ReverseProxy.Routes.r.Match", """{ "Hosts": [ "kms.example.com" ], "Methods": [ "GET" ], "Headers": [ { "Name": "x-tenant", "Values": [ "a" ], "Mode": "ExactHeader" } ] }""")]
    [InlineData("ReverseProxy.Clusters.c.SessionAffinity", """{ "Enabled": "true", "Policy": "Cookie", "AffinityKeyName": "affinity" }""")]
    [InlineData("ReverseProxy.Clusters.c.HttpRequest", """{ "Version": "2", "VersionPolicy": "RequestVersionOrLower", "ActivityTimeout": "00:01:40" }""")]
    [InlineData("ReverseProxy.Clusters.c.HttpClient", """{ "MaxConnectionsPerServer": 100, "SslProtocols": [ "Tls12", "Tls13" ] }""")]
    [InlineData("InboundAuth.AllowAnonymous", "\"false\"")]
    [InlineData("OTEL_SERVICE_NAME", "\"authproxy\"")]
    [InlineData("Logging", """{ "LogLevel": { "Default": "Warning", "Yarp": "Information" } }""")]
    [InlineData("Urls", "\"http://127.0.0.1:8080\"")]
    public void Schema_AcceptsWhatTheProxyAccepts(string path, string value)
    {
        var config = Change(path, value);

        var errors = Schema.Value.Validate(Json(config.ToJsonString()));

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        Assert.True(ProxyAccepts(config, out var problems), problems);
    }

    [Fact]
    public async Task GatewayExample_AndConfigMap_PassStartupChecks_OnNonLoopbackListeners()
    {
        // The gateway example listens on its own "Urls" (0.0.0.0:8080), the ConfigMap on the image's http://+:8080.
        // Build checks listeners before binding anything, and nothing is started here.
        var gateway = ShippedConfigs.WriteValidatableCopy("config/examples/gateway-with-clients.json", _folder.Path);
        var configMap = ShippedConfigs.WriteValidatableCopy(ShippedConfigs.ConfigMap, _folder.Path);

        await using (AuthProxyApp.Build(["--config", gateway]))
        {
        }

        await using (AuthProxyApp.Build(["--config", configMap, "--urls", "http://+:8080"]))
        {
        }
    }

    [Fact]
    public void GatewayExample_WithoutItsClients_IsRefusedOnItsListener()
    {
        var json = JsonNode.Parse(File.ReadAllText(ShippedConfigs.WriteValidatableCopy("config/examples/gateway-with-clients.json", _folder.Path)))!.AsObject();
        json.Remove("InboundAuth");
        foreach (var (_, route) in json["ReverseProxy"]!["Routes"]!.AsObject())
        {
            route!.AsObject().Remove("AuthorizationPolicy");
        }

        var path = _folder.Write("no-clients.json", json.ToJsonString());

        var error = Assert.Throws<ConfigurationProblemsException>(() => AuthProxyApp.Build(["--config", path]));
        Assert.Equal("InboundAuth:Clients", Assert.Single(error.Problems).Path);
        Assert.Contains("http://0.0.0.0:8080", Assert.Single(error.Problems).Reason);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text, ShippedConfigs.JsonWithComments).RootElement.Clone();

    private static JsonElement Def(string name) => SchemaDocument.Value.RootElement.GetProperty("$defs").GetProperty(name);

    private static IEnumerable<string> Names(JsonElement obj) => obj.EnumerateObject().Select(p => p.Name);

    /// <summary>The schema's per-type branches: the types they apply to, allowed options, required ones and "one of" alternatives.</summary>
    private static List<(string[] Types, string[] Allowed, string[] Required, string[] OneOfRequired)> TypeRules() =>
        Def("tokenProvider").GetProperty("allOf").EnumerateArray().Select(branch =>
        {
            var type = branch.GetProperty("if").GetProperty("properties").GetProperty("Type");
            string[] types = type.TryGetProperty("const", out var single)
                ? [single.GetString()!]
                : [.. type.GetProperty("enum").EnumerateArray().Select(t => t.GetString()!)];
            var then = branch.GetProperty("then");
            string[] allowed = [.. then.GetProperty("propertyNames").GetProperty("enum").EnumerateArray().Select(o => o.GetString()!)];
            string[] required = then.TryGetProperty("required", out var r) ? [.. r.EnumerateArray().Select(o => o.GetString()!)] : [];
            string[] oneOf = then.TryGetProperty("anyOf", out var any)
                ? [.. any.EnumerateArray().Select(a => Assert.Single(a.GetProperty("required").EnumerateArray()).GetString()!)]
                : [];
            return (types, allowed, required, oneOf);
        }).ToList();

    private static JsonObject WithProvider(JsonObject provider)
    {
        var config = JsonNode.Parse(Baseline)!.AsObject();
        config["TokenProviders"]!["p"] = provider.DeepClone();
        return config;
    }

    /// <summary>The baseline with one value set (dotted path; array items by index).</summary>
    private static JsonObject Change(string path, string valueJson)
    {
        var config = JsonNode.Parse(Baseline)!.AsObject();
        var parts = path.Split('.');
        JsonNode parent = config;
        foreach (var part in parts[..^1])
        {
            parent = parent is JsonArray array ? array[int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)]! : parent[part]!;
        }

        var value = JsonNode.Parse(valueJson);
        if (parent is JsonArray items)
        {
            var index = int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture);
            if (index == items.Count)
            {
                items.Add(value);
            }
            else
            {
                items[index] = value;
            }
        }
        else
        {
            parent[parts[^1]] = value;
        }

        return config;
    }

    private bool ProxyAccepts(JsonObject config, out string problems)
    {
        var path = _folder.Write($"config-{Guid.NewGuid():N}.json", config.ToJsonString());
        var result = ConfigSnapshot.Load(path, []);
        problems = string.Join(Environment.NewLine, result.Problems);
        return result.IsValid;
    }
}
