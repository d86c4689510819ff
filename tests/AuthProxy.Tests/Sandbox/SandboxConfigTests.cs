using AuthProxy.Hosting;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuthProxy.Configuration;
using AuthProxy.Sandbox.Hosting;

namespace AuthProxy.Tests.Sandbox;

/// <summary>The shipped configuration files: valid, consistent with the sandbox, and what the runner prints for them.</summary>
public sealed class SandboxConfigTests
{
    private static readonly JsonDocumentOptions JsonWithComments = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static readonly EmulatorUrls DefaultEmulators = new(
        $"http://127.0.0.1:{SandboxDefaults.KeyProtectPort}",
        $"http://127.0.0.1:{SandboxDefaults.CloudPakPort}",
        $"http://127.0.0.1:{SandboxDefaults.SklmPort}");

    [Fact]
    public void DefaultConfig_IsValid_AndUsesSandboxCredentials()
    {
        var result = ConfigSnapshot.Load(ConfigFiles.Path("authproxy.json"), []);

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Problems));
        var json = Read("authproxy.json");
        Assert.Equal(SandboxDefaults.ApiKey, (string?)json["TokenProviders"]!["kp"]!["ApiKey"]);
        var transforms = json["ReverseProxy"]!["Routes"]!["kms"]!["Transforms"]!.AsArray();
        Assert.Contains(transforms, t => (string?)t!["RequestHeader"] == "bluemix-instance" && (string?)t["Set"] == SandboxDefaults.KeyProtectInstanceId);
    }

    [Theory]
    [InlineData("examples/key-protect.json")]
    [InlineData("examples/hyper-protect-crypto.json")]
    public void Example_HasNoApiKey_AndIsValidOnceOneIsSupplied(string file)
    {
        var json = Read(file);
        var providers = json["TokenProviders"]!.AsObject();
        Assert.All(providers, p => Assert.Null(p.Value!["ApiKey"]));

        foreach (var (_, provider) in providers)
        {
            provider!["ApiKey"] = "supplied-by-environment";
        }

        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"authproxy-example-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json.ToJsonString());
        try
        {
            var result = ConfigSnapshot.Load(path, []);
            Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Problems));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void DefaultConfig_RoutesNameOwnProviders_WithSandboxCredentialsAndPorts()
    {
        var json = Read("authproxy.json");
        var providers = json["TokenProviders"]!.AsObject();
        string[] types = ["IamApiKey", "Cp4dAuthorize", "Cp4dIdentity", "Cp4dSignin", "ZenApiKey", "SklmLogin", "SklmAccessToken"];
        Assert.Equal(types.Order(), providers.Select(p => (string)p.Value!["Type"]!).Order());

        foreach (var (name, route) in json["ReverseProxy"]!["Routes"]!.AsObject())
        {
            var provider = route!["Transforms"]!.AsArray().Select(t => (string?)t!["AuthToken"]).Single(p => p is not null);
            Assert.True(providers.ContainsKey(provider!), $"route {name} names unknown provider {provider}");
            Assert.NotNull(json["ReverseProxy"]!["Clusters"]![(string)route["ClusterId"]!]);
        }

        foreach (var (_, provider) in providers)
        {
            var type = (string)provider!["Type"]!;
            if (type == "IamApiKey")
            {
                continue;
            }

            if (type.StartsWith("Sklm", StringComparison.Ordinal))
            {
                Assert.Equal(DefaultEmulators.Sklm, (string?)provider["Url"]);
                Assert.Equal(SandboxDefaults.SklmUserId, (string?)provider["UserId"]);
                Assert.Equal(SandboxDefaults.SklmPassword, (string?)provider["Password"]);
                continue;
            }

            Assert.Equal(SandboxDefaults.CloudPakUsername, (string?)provider["Username"]);
            Assert.True((string?)provider["Password"] == SandboxDefaults.CloudPakPassword || (string?)provider["ApiKey"] == SandboxDefaults.CloudPakApiKey);
            if (type != "ZenApiKey")
            {
                Assert.Equal(DefaultEmulators.CloudPak, (string?)provider["Url"]);
            }
        }
    }

    [Fact]
    public void CurlLines_DefaultConfig_CoverEveryRoute()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(ConfigFiles.Path("authproxy.json")).Build();

        var commands = CurlLines.Build(configuration, "http://127.0.0.1:8080/", DefaultEmulators).Select(l => l.Command).ToList();

        Assert.Equal("curl -s http://127.0.0.1:8080/kms/api/v2/keys", commands[0]);
        Assert.StartsWith("curl -s -X POST http://127.0.0.1:8080/kms/api/v2/keys -H 'Content-Type: application/json' -d '{", commands[1]);
        Assert.Contains("curl -s 'http://127.0.0.1:8080/watsonx/ml/v4/deployments?version=2024-05-01'", commands);
        Assert.Contains("curl -s 'http://127.0.0.1:8080/watsonx-zen/ml/v4/deployments?version=2024-05-01'", commands);
        Assert.Contains("curl -s http://127.0.0.1:8080/sklm/SKLM/rest/v1/ckms/keys", commands);
        Assert.Contains("curl -s http://127.0.0.1:8080/sklm-oidc/SKLM/rest/v1/ckms/keys", commands);
        Assert.Single(commands, c => c.StartsWith("curl -sN -X POST 'http://127.0.0.1:8080/watsonx/ml/v1/text/generation_stream?version=2024-05-01' -H 'Accept: text/event-stream'", StringComparison.Ordinal));
        Assert.Equal(2 + (4 * 2) + 1 + 2, commands.Count); // no gRPC listener given: no gRPC lines
    }

    [Fact]
    public void CurlLines_WithAGrpcListener_IncludeGrpcCallsForTheGrep11Route()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(ConfigFiles.Path("authproxy.json")).Build();
        var emulators = DefaultEmulators with { Grep11 = $"http://127.0.0.1:{SandboxDefaults.Grep11Port}", ProxyGrpc = "http://127.0.0.1:8081" };

        var commands = CurlLines.Build(configuration, "http://127.0.0.1:8080/", emulators).Select(l => l.Command).ToList();

        Assert.Contains("dotnet run --no-build --project src/AuthProxy.Sandbox -- grpc-call http://127.0.0.1:8081 GenerateRandom --len 16", commands);
        Assert.Contains("dotnet run --no-build --project src/AuthProxy.Sandbox -- grpc-call http://127.0.0.1:8081 GenerateRandomStream --len 8 --count 5", commands);
    }

    [Fact]
    public void SandboxListeners_TurnUrlsIntoEndpoints_AndAddTheGrpcListener()
    {
        var config = ConfigFiles.Path("authproxy.json");

        var args = SandboxListeners.WithGrpcListener(["--config", config, "--urls", "http://127.0.0.1:9000;http://[::1]:9000"], 8081, _ => null);
        var fromEnvironment = SandboxListeners.WithGrpcListener(["--config", config], 8081, name => name == "ASPNETCORE_URLS" ? "http://127.0.0.1:7000" : null);
        var ownEndpoints = SandboxListeners.WithGrpcListener(["--config", config, "--Kestrel:Endpoints:x:Url", "http://127.0.0.1:1"], 8081, _ => null);

        Assert.Equal(
            ["--config", config, "--Kestrel:Endpoints:SandboxHttp0:Url", "http://127.0.0.1:9000", "--Kestrel:Endpoints:SandboxHttp1:Url", "http://[::1]:9000",
             "--Kestrel:Endpoints:SandboxGrpc:Url", "http://127.0.0.1:8081", "--Kestrel:Endpoints:SandboxGrpc:Protocols", "Http2"],
            args);
        Assert.Equal("http://127.0.0.1:7000", fromEnvironment[3]);
        Assert.Equal(["--config", config, "--Kestrel:Endpoints:x:Url", "http://127.0.0.1:1"], ownEndpoints);
    }

    [Fact]
    public void CurlLines_RouteToOtherUpstreamOrClientKeysRequired()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["InboundAuth:Clients:app:ApiKey"] = "k",
            ["ReverseProxy:Routes:kms:ClusterId"] = "kp",
            ["ReverseProxy:Routes:kms:Match:Path"] = "/{**rest}",
            ["ReverseProxy:Clusters:kp:Destinations:d:Address"] = DefaultEmulators.KeyProtect + "/",
            ["ReverseProxy:Routes:other:ClusterId"] = "elsewhere",
            ["ReverseProxy:Routes:other:Match:Path"] = "/x/{**rest}",
            ["ReverseProxy:Clusters:elsewhere:Destinations:d:Address"] = "https://example.com/",
        }).Build();

        var lines = CurlLines.Build(configuration, "http://127.0.0.1:9000", DefaultEmulators);

        Assert.Equal(2, lines.Count);
        Assert.Equal("curl -s -H \"X-API-Key: $AUTHPROXY_CLIENT_KEY\" http://127.0.0.1:9000/api/v2/keys", lines[0].Command);
    }

    private static JsonObject Read(string file) =>
        Assert.IsType<JsonObject>(JsonNode.Parse(File.ReadAllText(ConfigFiles.Path(file)), documentOptions: JsonWithComments));
}
