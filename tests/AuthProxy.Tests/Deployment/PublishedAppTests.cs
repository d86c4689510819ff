using System.Net;
using System.Net.Sockets;
using AuthProxy.InboundAuth;
using AuthProxy.Tests.Configuration;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Deployment;

/// <summary>
/// The publish output run the way the Dockerfile runs it: its ENTRYPOINT from its WORKDIR, with its ENV. Tests bind
/// loopback only, so the image's listener (<c>http://+:8080</c>) is replaced: by a free loopback port to serve, and by
/// an address that cannot be bound here to show the refusal (which happens before anything is bound).
/// </summary>
[Collection(PublishedAppCollection.Name)]
public sealed class PublishedAppTests(PublishedAppFixture image, ITestOutputHelper output) : IClassFixture<PublishedAppFixture>
{
    private const string ConfigVariable = "AUTHPROXY_CONFIG";
    private const string UrlsVariable = "ASPNETCORE_URLS";

    /// <summary>
    /// The image's publish is ReadyToRun (precompiled native code in the assemblies, README "Performance") and ships the
    /// project's thread-pool and tiering settings; without them the proxy takes tens of seconds longer to full speed.
    /// </summary>
    [Fact]
    public void PublishedApp_IsReadyToRun_WithTheProjectsRuntimeSettings()
    {
        foreach (var assembly in new[] { "AuthProxy.dll", "Yarp.ReverseProxy.dll" })
        {
            using var stream = File.OpenRead(Path.Combine(image.AppDirectory, assembly));
            using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
            Assert.True(pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0, $"{assembly} is not ReadyToRun");
        }

        using var runtimeConfig = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(image.AppDirectory, "AuthProxy.runtimeconfig.json")));
        var properties = runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
        Assert.Equal(0, properties.GetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs").GetInt32());
    }

    [Fact]
    public async Task PublishedApp_WithTheDockerfilesEnvironment_ServesHealthAndProxiesWithTheBearerToken()
    {
        await using var iam = await FakeServer.StartAsync(FakeIam.Tokens());
        await using var upstream = await FakeServer.StartAsync();
        WriteConfig(Configs.Kms(iam.Url, upstream.Url));
        var url = $"http://127.0.0.1:{FreeLoopbackPort()}";

        await using var proxy = StartEntrypoint(url);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(5) };

        var healthy = await Eventually.TrueAsync(async () => proxy.HasExited || await IsOkAsync(client, "/healthz"), TestTimeouts.Default);
        Assert.True(healthy && !proxy.HasExited, $"no 200 from /healthz; output:{Environment.NewLine}{proxy.StandardOutput}{proxy.StandardError}");
        Assert.True(await IsOkAsync(client, "/readyz"));

        using var response = await client.GetAsync("/kms/api/v2/keys");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(upstream.Requests);
        Assert.Equal("/api/v2/keys", forwarded.Path);
        Assert.Equal("Bearer tok-1", forwarded.Header("Authorization"));
        Assert.Equal("instance-guid", forwarded.Header("bluemix-instance"));
        Assert.Equal(Configs.ApiKey, Assert.Single(iam.Requests).Form["apikey"]);
        Assert.DoesNotContain(Configs.ApiKey, proxy.StandardOutput + proxy.StandardError);
    }

    [Fact]
    public async Task PublishedApp_DockerfilesListenerWithoutInboundClients_RefusesToStart()
    {
        // The image listens beyond loopback, so without InboundAuth clients (or AllowAnonymous) it must refuse to start.
        var imageListeners = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = image.Dockerfile.Final.Env[UrlsVariable] })
            .Build();
        Assert.NotEmpty(InboundListenerGuard.NonLoopbackListeners(imageListeners));
        WriteConfig(Configs.Kms("http://127.0.0.1:9", "http://127.0.0.1:9"));

        // TEST-NET-1 stands in for the image's http://+:8080: not loopback either, and on no interface here.
        await using var proxy = StartEntrypoint("http://192.0.2.1:0");
        var exitCode = await proxy.WaitForExitAsync(TestTimeouts.Default);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("InboundAuth:Clients", proxy.StandardError);
        Assert.Contains("InboundAuth:AllowAnonymous", proxy.StandardError);
        Assert.Contains(image.HostPath(image.Dockerfile.Final.Env[ConfigVariable]), proxy.StandardError);
    }

    [Fact]
    public void Dockerfile_RunsNonRootOnTheAspNetImage_ListeningOnTheExposedPort()
    {
        var dockerfile = image.Dockerfile;
        var final = dockerfile.Final;

        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", final.From, StringComparison.Ordinal);
        Assert.Contains(dockerfile.Stages, s => s.From.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", StringComparison.Ordinal));
        Assert.Equal("1654", final.User); // the aspnet image's "app" user ($APP_UID), numeric so runAsNonRoot can check it
        Assert.Equal(["dotnet", "AuthProxy.dll"], final.Entrypoint);
        Assert.Equal("/app/config/authproxy.json", final.Env[ConfigVariable]);
        var port = BindingAddress.Parse(final.Env[UrlsVariable]).Port;
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), final.All("EXPOSE"));

        // Package versions live in Directory.Packages.props: the build files must be there before restore.
        var build = dockerfile.Stages[0].Instructions;
        var restore = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        Assert.True(restore > 0, "the build stage has no dotnet restore");
        var copiedBefore = build.Take(restore).Where(i => i.Keyword == "COPY").SelectMany(i => DockerfileStage.Words(i.Arguments)[..^1]).ToList();
        Assert.All(["Directory.Build.props", "Directory.Packages.props", "src/AuthProxy/AuthProxy.csproj"], file => Assert.Contains(file, copiedBefore));
        // docker build fails on a COPY source that does not exist (a file removed from the repository, say).
        Assert.All(copiedBefore, source => Assert.True(File.Exists(ShippedConfigs.FullPath(source)), $"COPY {source}: no such file"));
    }

    private ProxyProcess StartEntrypoint(string urls)
    {
        // The image's environment, as the Dockerfile sets it, with container paths mapped into the fixture's root.
        var environment = image.Dockerfile.Final.Env.ToDictionary(e => e.Key, e => (string?)e.Value);
        environment[ConfigVariable] = image.HostPath(image.Dockerfile.Final.Env[ConfigVariable]);
        environment[UrlsVariable] = urls;
        var entrypoint = image.Dockerfile.Final.Entrypoint;
        var program = entrypoint[0] == "dotnet" ? ProxyProcess.DotnetHost : image.HostPath(entrypoint[0]);
        return ProxyProcess.Start(program, entrypoint.Skip(1), environment, image.AppDirectory, output);
    }

    private void WriteConfig(string json)
    {
        var path = image.HostPath(image.Dockerfile.Final.Env[ConfigVariable]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
    }

    private static async Task<bool> IsOkAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
