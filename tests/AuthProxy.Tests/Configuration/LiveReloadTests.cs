using System.Net;
using System.Text.Json;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Configuration;

/// <summary>docs/operations.md, "Live reload": edits apply within 5 s without restart; invalid edits are rejected as a whole.</summary>
public sealed class LiveReloadTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ChangedApiKey_WrittenInPlace_DropsTokenAndUsesNewKey()
    {
        await using var env = await TestEnvironment.StartAsync(output);
        var client = env.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/a")).StatusCode);

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, Configs.Kms(env.Idp.Url, env.Upstream.Url).Replace(Configs.ApiKey, "rotated-key-abcdef"));

        Assert.True(await Eventually.TrueAsync(async () =>
        {
            await client.GetAsync("/kms/b");
            return env.Idp.Requests.Any(r => r.Form["apikey"] == "rotated-key-abcdef");
        }, Within));
        Assert.Equal("Bearer tok-2", env.Upstream.Requests.Last().Header("Authorization"));
        Assert.DoesNotContain(env.Proxy.Logs, l => l.Contains("rotated-key-abcdef", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NewRoute_ByAtomicRename_IsServed_AndUnchangedProviderKeepsItsToken()
    {
        await using var env = await TestEnvironment.StartAsync(output);
        var client = env.Client;
        await client.GetAsync("/kms/a");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/hpcs/a")).StatusCode);

        var edited = Configs.Kms(env.Idp.Url, env.Upstream.Url).Replace("\"Routes\": {", """
            "Routes": {
              "hpcs": { "ClusterId": "keyprotect", "Match": { "Path": "/hpcs/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/hpcs" }, { "AuthToken": "kp" } ] },
            """);
        var temp = env.Proxy.ConfigPath + ".tmp";
        await File.WriteAllTextAsync(temp, edited);
        File.Move(temp, env.Proxy.ConfigPath, overwrite: true);

        Assert.True(await Eventually.TrueAsync(async () => (await client.GetAsync("/hpcs/a")).StatusCode == HttpStatusCode.OK, Within));
        Assert.Equal("/a", env.Upstream.Requests.Last().Path);
        Assert.Equal(1, env.Idp.RequestCount); // the provider did not change: its token was kept
    }

    [Fact]
    public async Task KubernetesConfigMapSymlinkSwap_IsPickedUp()
    {
        var dir = Path.Combine(Path.GetTempPath(), "authproxy-tests", Guid.NewGuid().ToString("N"));
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            // The proxy reads the mounted file named by the later --config; the rig's own file holds only {}.
            o.Config = e =>
            {
                Directory.CreateDirectory(Path.Combine(dir, "..v1"));
                Directory.CreateDirectory(Path.Combine(dir, "..v2"));
                File.WriteAllText(Path.Combine(dir, "..v1", "authproxy.json"), Configs.Kms(e.Idp.Url, e.Upstream.Url));
                File.WriteAllText(Path.Combine(dir, "..v2", "authproxy.json"),
                    Configs.Kms(e.Idp.Url, e.Upstream.Url).Replace("/kms/{**rest}", "/keys/{**rest}").Replace("\"/kms\"", "\"/keys\""));
                File.CreateSymbolicLink(Path.Combine(dir, "..data"), "..v1");
                File.CreateSymbolicLink(Path.Combine(dir, "authproxy.json"), "..data/authproxy.json");
                return "{}";
            };
            o.ProxyArgs.AddRange(["--config", Path.Combine(dir, "authproxy.json")]);
        });
        var client = env.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/a")).StatusCode);

        // What the kubelet does: a new ..data symlink renamed over the old one.
        File.CreateSymbolicLink(Path.Combine(dir, "..data_tmp"), "..v2");
        // rename(2) of a symlink over a symlink; .NET's File.Move insists on a regular file.
        using (var mv = System.Diagnostics.Process.Start("mv", ["-T", Path.Combine(dir, "..data_tmp"), Path.Combine(dir, "..data")]))
        {
            await mv.WaitForExitAsync().WaitAsync(TestTimeouts.Default);
            Assert.Equal(0, mv.ExitCode);
        }


        Assert.True(await Eventually.TrueAsync(async () => (await client.GetAsync("/keys/a")).StatusCode == HttpStatusCode.OK, Within));
        Directory.Delete(dir, recursive: true);
    }

    [Theory]
    [InlineData("bad-json", "ReverseProxy", "not valid JSON at line")]
    [InlineData("unknown-provider", "ReverseProxy:Routes:kms:Transforms:1:AuthToken", "unknown token provider 'nope'")]
    [InlineData("unknown-type", "TokenProviders:kp:Type", "unknown provider type 'IamApiKeyy'")]
    [InlineData("missing-secret", "TokenProviders:kp:ApiKey", "required")]
    [InlineData("bad-affinity", "ReverseProxy:Clusters:keyprotect", "'Sticky'")]
    [InlineData("wrong-type", "TokenProviders:kp:Timeout", "not a duration")]
    public async Task InvalidEdit_IsRejectedAsAWhole_LastGoodConfigKeepsServing(string edit, string path, string reason)
    {
        await using var env = await TestEnvironment.StartAsync(output);
        var good = Configs.Kms(env.Idp.Url, env.Upstream.Url);
        var client = env.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/a")).StatusCode);

        var bad = edit switch
        {
            "bad-json" => good[..^20],
            "unknown-provider" => good.Replace("\"AuthToken\": \"kp\"", "\"AuthToken\": \"nope\""),
            "unknown-type" => good.Replace("\"IamApiKey\"", "\"IamApiKeyy\""),
            "missing-secret" => good.Replace($"\"ApiKey\": \"{Configs.ApiKey}\", ", ""),
            "bad-affinity" => good.Replace("\"Destinations\"", "\"SessionAffinity\": { \"Enabled\": true, \"Policy\": \"Sticky\" }, \"Destinations\""),
            "wrong-type" => good.Replace("\"TokenUrl\"", "\"Timeout\": \"ten seconds\", \"TokenUrl\""),
            _ => throw new ArgumentOutOfRangeException(nameof(edit)),
        };
        // A bad edit that also adds a route: nothing of it may apply.
        bad = bad.Replace("/kms/{**rest}", "/kms2/{**rest}");
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, bad);

        Assert.True(await Eventually.TrueAsync(async () => (await StatusAsync(client)).GetProperty("config").GetProperty("lastReloadError").ValueKind == JsonValueKind.String, Within));
        var error = (await StatusAsync(client)).GetProperty("config").GetProperty("lastReloadError").GetString()!;
        Assert.Contains(path, error);
        Assert.Contains(reason, error);
        Assert.Contains(env.Proxy.Logs, l => l.Contains("Error", StringComparison.Ordinal) && l.Contains(path, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/b")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/kms2/b")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        Assert.DoesNotContain(env.Proxy.Logs, l => l.Contains(Configs.ApiKey, StringComparison.Ordinal));

        // A later valid edit clears the error.
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, good.Replace("/kms/{**rest}", "/kms3/{**rest}"));
        Assert.True(await Eventually.TrueAsync(async () => (await client.GetAsync("/kms3/c")).StatusCode == HttpStatusCode.OK, Within));
        Assert.Equal(JsonValueKind.Null, (await StatusAsync(client)).GetProperty("config").GetProperty("lastReloadError").ValueKind);
    }

    [Fact]
    public async Task OversizedFileBehindASymlink_IsRejected()
    {
        using var folder = new TempDirectory();
        var real = folder.PathOf("v1.json");
        var link = Path.Combine(folder.Path, "authproxy.json");
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            // The proxy reads the symlink named by the later --config; the rig's own file holds only {}.
            o.Config = e =>
            {
                folder.Write("v1.json", Configs.Kms(e.Idp.Url, e.Upstream.Url));
                File.CreateSymbolicLink(link, real);
                return "{}";
            };
            o.ProxyArgs.AddRange(["--config", link]);
        });
        var good = Configs.Kms(env.Idp.Url, env.Upstream.Url);
        var client = env.Client;

        // Valid JSON, but over the 4 MiB limit: padded with a huge ignored value.
        await File.WriteAllTextAsync(real, good.Replace("\"TokenProviders\"", $"\"Padding\": \"{new string('x', 5 * 1024 * 1024)}\", \"TokenProviders\""));

        Assert.True(await Eventually.TrueAsync(async () =>
            (await StatusAsync(client)).GetProperty("config").GetProperty("lastReloadError").GetString()?.Contains("larger than 4 MiB", StringComparison.Ordinal) == true, Within));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/a")).StatusCode);
    }

    [Fact]
    public async Task InFlightRequest_CompletesAcrossAReload()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var env = await TestEnvironment.StartAsync(output, o => o.Upstream = async (c, r) =>
        {
            if (r.Path == "/slow")
            {
                await release.Task.WaitAsync(TestTimeouts.Default);
            }

            await c.Response.WriteAsync("done");
        });
        var client = env.Client;

        var slow = client.GetAsync("/kms/slow");
        await env.Upstream.NextRequestAsync();
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, Configs.Kms(env.Idp.Url, env.Upstream.Url).Replace(Configs.ApiKey, "another-key-123456"));
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            await client.GetAsync("/kms/fast");
            return env.Idp.Requests.Any(r => r.Form["apikey"] == "another-key-123456");
        }, Within));
        release.SetResult();

        using var response = await slow.WaitAsync(TestTimeouts.Default);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("done", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task InboundClientAddedByEdit_IsAcceptedWithinFiveSeconds()
    {
        static string WithClients(TestEnvironment e, string clients) => Configs.Kms(e.Idp.Url, e.Upstream.Url).Replace("\"TokenProviders\"", $$"""
            "InboundAuth": { "Clients": { {{clients}} } },
            "TokenProviders"
            """);
        await using var env = await TestEnvironment.StartAsync(output, o =>
            o.Config = e => WithClients(e, "\"app-a\": { \"ApiKey\": \"key-a-1234567890\" }"));
        var client = env.Client;
        using var asB = new HttpRequestMessage(HttpMethod.Get, "/kms/x") { Headers = { { "X-API-Key", "key-b-1234567890" } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(asB)).StatusCode);

        await File.WriteAllTextAsync(env.Proxy.ConfigPath,
            WithClients(env, "\"app-a\": { \"ApiKey\": \"key-a-1234567890\" }, \"app-b\": { \"ApiKey\": \"key-b-1234567890\" }"));

        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/kms/x") { Headers = { { "X-API-Key", "key-b-1234567890" } } };
            return (await client.SendAsync(request)).StatusCode == HttpStatusCode.OK;
        }, Within));
        Assert.DoesNotContain(env.Upstream.Requests, r => r.Headers.ContainsKey("X-API-Key"));
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/_authproxy/status"));
        return doc.RootElement.Clone();
    }
}
