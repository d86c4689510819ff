using System.Net;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Iam;
using AuthProxy.Sandbox.KeyProtect;
using AuthProxy.Sandbox.Tokens;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Sandbox;

/// <summary>The real proxy in front of the IAM and Key Protect emulators, over real sockets.</summary>
public sealed class SandboxEndToEndTests(ITestOutputHelper output)
{
    private const string CreateKeyBody =
        """{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json","collectionTotal":1},"resources":[{"type":"application/vnd.ibm.kms.key+json","name":"e2e-key","extractable":false}]}""";

    [Fact]
    public async Task Proxy_InFrontOfIamAndKeyProtectEmulators_ListsAndCreatesKeys()
    {
        using var cts = TestTimeouts.Cts();
        await using var iam = await IamEmulator.StartAsync(new IamEmulatorOptions { ApiKeys = [Configs.ApiKey] }, cts.Token);
        await using var kp = await KeyProtectEmulator.StartAsync(new KeyProtectEmulatorOptions { Tokens = iam.Tokens, InstanceId = "instance-guid" }, cts.Token);
        await using var proxy = await ProxyHost.StartAsync(Configs.Kms(iam.Url, kp.Url), output);
        using var client = proxy.CreateClient();

        var list = await client.GetAsync("/kms/api/v2/keys");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var listed = await list.JsonAsync();
        Assert.Equal("application/vnd.ibm.kms.key+json", (string?)listed["metadata"]?["collectionType"]);
        Assert.Equal(2, (int)listed["metadata"]!["collectionTotal"]!);

        var create = await client.PostAsync("/kms/api/v2/keys", new StringContent(CreateKeyBody, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var created = (await create.JsonAsync())["resources"]![0]!;
        Assert.Equal("e2e-key", (string?)created["name"]);

        var after = await client.GetAsync("/kms/api/v2/keys");
        Assert.Equal(3, (int)(await after.JsonAsync())["metadata"]!["collectionTotal"]!);
        Assert.Contains(kp.Keys, k => k.Name == "e2e-key" && k.CreatedBy.StartsWith("iam-ServiceId-", StringComparison.Ordinal));

        // One token fetch serves all three requests, and Key Protect refused nothing.
        Assert.Equal(1, iam.Counters.TokenRequests(IamEmulator.TokenPath));
        Assert.Equal(3, kp.Counters.ApiRequests);
        Assert.Equal(0, kp.Counters.TotalRejections);
        Assert.DoesNotContain(proxy.Logs, line => line.Contains(Configs.ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ShippedConfig_WithSandboxEmulators_ListsKeys()
    {
        using var cts = TestTimeouts.Cts();
        await using var sandbox = await SandboxEmulators.StartAsync(SandboxEmulatorsOptions.Ephemeral(), cts.Token);
        var shipped = await File.ReadAllTextAsync(ConfigFiles.Path("authproxy.json"), cts.Token);
        var config = shipped
            .Replace($"http://127.0.0.1:{SandboxDefaults.IamPort}", sandbox.Iam.Url, StringComparison.Ordinal)
            .Replace($"http://127.0.0.1:{SandboxDefaults.KeyProtectPort}", sandbox.KeyProtect.Url, StringComparison.Ordinal);
        Assert.NotEqual(shipped, config);
        await using var proxy = await ProxyHost.StartAsync(config, output);
        using var client = proxy.CreateClient();

        var response = await client.GetAsync("/kms/api/v2/keys");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.IsType<JsonArray>((await response.JsonAsync())["resources"]);
        Assert.Equal(1, sandbox.Iam.Counters.TokensIssued);
        Assert.Equal(0, sandbox.KeyProtect.Counters.Rejections(RejectionReason.MissingInstance));
    }
}
