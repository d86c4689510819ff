using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using AuthProxy.Hosting;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tests.Tokens;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AuthProxy.Tests.Hosting;

/// <summary>Start-up and live reload judge the same layered settings: file, environment and command line.</summary>
public sealed class OnePipelineTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task LiveEdit_OfAFileCompletedByTheCommandLine_IsJudgedWithTheCommandLine()
    {
        // The API key is given only on the command line: the file alone is incomplete.
        static string WithoutKey(TestEnvironment e) => Configs.Kms(e.Idp.Url, e.Upstream.Url).Replace($"\"ApiKey\": \"{Configs.ApiKey}\", ", "");
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Config = WithoutKey;
            o.ProxyArgs.AddRange(["--TokenProviders:kp:ApiKey", Configs.ApiKey]);
        });
        var withoutKey = WithoutKey(env);
        var client = env.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/a")).StatusCode);

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, withoutKey.Replace("/kms/{**rest}", "/kms2/{**rest}"));

        Assert.True(await Eventually.TrueAsync(async () => (await client.GetAsync("/kms2/a")).StatusCode == HttpStatusCode.OK, Within));
        var status = JsonDocument.Parse(await client.GetStringAsync("/_authproxy/status")).RootElement;
        Assert.Equal(JsonValueKind.Null, status.GetProperty("config").GetProperty("lastReloadError").ValueKind);
        Assert.All(env.Idp.Requests, r => Assert.Equal(Configs.ApiKey, r.Form["apikey"]));
    }

    [Fact]
    public async Task RejectedFile_IsNotReadAgainUntilItChanges()
    {
        await using var env = await TestEnvironment.StartAsync(output);
        var good = Configs.Kms(env.Idp.Url, env.Upstream.Url);
        var reloader = env.Proxy.Services.GetRequiredService<ConfigReloader>();

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, good.Replace("\"AuthToken\": \"kp\"", "\"AuthToken\": \"nope\""));
        File.SetLastWriteTimeUtc(env.Proxy.ConfigPath, DateTime.UtcNow.AddMinutes(1));
        Assert.False(reloader.CheckNow());
        var rejections = env.Proxy.Logs.Count(l => l.Contains("[3002]", StringComparison.Ordinal));
        Assert.True(rejections >= 1);

        Assert.False(reloader.CheckNow());
        Assert.False(reloader.CheckNow());
        Assert.Equal(rejections, env.Proxy.Logs.Count(l => l.Contains("[3002]", StringComparison.Ordinal)));

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, good.Replace("/kms/{**rest}", "/kms2/{**rest}"));
        File.SetLastWriteTimeUtc(env.Proxy.ConfigPath, DateTime.UtcNow.AddMinutes(2));
        Assert.True(reloader.CheckNow() || env.Proxy.Logs.Any(l => l.Contains("[3000]", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TwoSameSizeWritesInPlace_WithinOneFileTimeTick_AreBothSeen()
    {
        // File times move in kernel ticks of a few milliseconds: the second write leaves device, inode, size and time alone.
        await using var env = await TestEnvironment.StartAsync(output);
        var good = Configs.Kms(env.Idp.Url, env.Upstream.Url);
        var reloader = env.Proxy.Services.GetRequiredService<ConfigReloader>();
        var tick = DateTime.UtcNow;
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, good.Replace("/kms/{**rest}", "/km1/{**rest}"));
        File.SetLastWriteTimeUtc(env.Proxy.ConfigPath, tick);
        Assert.True(reloader.CheckNow());

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, good.Replace("/kms/{**rest}", "/km2/{**rest}"));
        File.SetLastWriteTimeUtc(env.Proxy.ConfigPath, tick);

        Assert.True(reloader.CheckNow());
        var client = env.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/km2/a")).StatusCode);
    }

    [Fact]
    public async Task HttpsListener_FromKestrelEndpoints_StartsAndServes()
    {
        using var certificates = new TestCertificates();
        using var folder = new TempDirectory();
        var certFile = folder.Write("server.pem", certificates.Server.ExportCertificatePem());
        var keyFile = folder.Write("server.key", certificates.Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await using var iam = await FakeServer.StartAsync(FakeIam.Tokens());
        await using var upstream = await FakeServer.StartAsync();
        var config = Configs.Kms(iam.Url, upstream.Url).TrimEnd().TrimEnd('}') + $$"""
          , "Kestrel": { "Endpoints": { "tls": { "Url": "https://127.0.0.1:0", "Protocols": "Http1AndHttp2",
              "Certificate": { "Path": "{{certFile}}", "KeyPath": "{{keyFile}}" } } } } }
          """;
        var configPath = folder.Write("authproxy.json", config);

        await using var app = AuthProxyApp.Build(["--config", configPath]);
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Assert.StartsWith("https://127.0.0.1:", url);

        using var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(certificates.Ca);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            return chain.Build(new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate!));
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = TestTimeouts.Default };
        using var h2 = new HttpRequestMessage(HttpMethod.Get, "/kms/keys") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await client.SendAsync(h2);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("Bearer tok-1", upstream.Requests.Single().Header("Authorization"));
        await app.StopAsync();
    }

    [Fact]
    public async Task StartUpLog_NamesTheConfigurationFileAndTheListeners()
    {
        await using var env = await TestEnvironment.StartAsync(output);

        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(env.Proxy.Logs.Any(l => l.Contains("[3010]", StringComparison.Ordinal))), Within));
        var line = env.Proxy.Logs.Single(l => l.Contains("[3010]", StringComparison.Ordinal));
        Assert.Contains($"'{env.Proxy.ConfigPath}'", line);
        Assert.Contains(env.Proxy.Url, line);
    }

    [Fact]
    public void EmptyProviderObject_IsReportedAtItsOwnPath()
    {
        using var folder = new TempDirectory();
        var path = folder.Write("authproxy.json", """{ "TokenProviders": { "kp": {} }, "ReverseProxy": {} }""");

        var snapshot = ConfigSnapshot.Load(path, []);

        Assert.Equal("TokenProviders:kp", Assert.Single(snapshot.Problems).Path);
    }

    [Fact]
    public void LargeConfiguration_IsReadLikeDotNetsReader()
    {
        // 3,000 routes (~21k keys). The one-pass reader and the indexed provider keep this linear: on 20,000 routes
        // (140k keys) reading took 0.2-0.5 s where .NET's provider walked by AsEnumerable took 135 s.
        using var folder = new TempDirectory();
        var routes = string.Join(",\n", Enumerable.Range(0, 3_000).Select(i =>
            $$"""    "r{{i}}": { "ClusterId": "c", "Match": { "Path": "/r{{i}}/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/r{{i}}" } ] }"""));
        var json = $$"""{ "ReverseProxy": { "Routes": {{{routes}} }, "Clusters": { "c": { "Destinations": { "d": { "Address": "http://127.0.0.1:9/" } } } } } }""";
        var path = folder.Write("authproxy.json", json);

        var content = AuthProxy.Configuration.ConfigFile.Read(path);
        var expected = new ConfigurationBuilder().AddJsonFile(path).Build();
        Assert.NotNull(content.Data);
        foreach (var key in new[] { "ReverseProxy:Routes:r2999:Match:Path", "ReverseProxy:Routes:r7:Transforms:0:PathRemovePrefix" })
        {
            Assert.Equal(expected[key], content.Data![key]);
        }

        var snapshot = ConfigSnapshot.Load(path, []);
        Assert.True(snapshot.IsValid, string.Join("\n", snapshot.Problems));
    }
}
