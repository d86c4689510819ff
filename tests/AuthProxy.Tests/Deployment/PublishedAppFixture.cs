using AuthProxy.Tests.Configuration;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Deployment;

/// <summary>
/// Runs the Dockerfile's <c>dotnet publish</c> once, into a temp folder laid out like the image: the folder stands for
/// the container's <c>/</c>, so the image's WORKDIR <c>/app</c> is <c>&lt;root&gt;/app</c> and its
/// <c>AUTHPROXY_CONFIG</c> <c>&lt;root&gt;/app/config/authproxy.json</c>.
/// </summary>
public sealed class PublishedAppFixture : IAsyncLifetime
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);

    internal Dockerfile Dockerfile { get; } = Dockerfile.Load(ShippedConfigs.FullPath("Dockerfile"));

    /// <summary>The temp folder standing for the container's root directory.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "authproxy-tests", "image-" + Guid.NewGuid().ToString("N"));

    /// <summary>The runtime stage's WORKDIR, where the publish output lands.</summary>
    public string AppDirectory => HostPath(Dockerfile.Final.Workdir ?? "/");

    /// <summary>Where a path inside the container lives here.</summary>
    public string HostPath(string containerPath) =>
        Path.Combine(Root, containerPath.TrimStart('/').Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The build stage's publish command, with its output redirected to where the runtime stage copies it.</summary>
    internal IReadOnlyList<string> PublishArguments()
    {
        var build = Dockerfile.Stages.Take(Dockerfile.Stages.Count - 1).Single(s => s.All("RUN").Any(r => r.StartsWith("dotnet publish", StringComparison.Ordinal)));
        var words = DockerfileStage.Words(build.All("RUN").Single(r => r.StartsWith("dotnet publish", StringComparison.Ordinal)));
        var output = words.FindIndex(w => w is "-o" or "--output");
        Assert.True(output > 0, "the Dockerfile's dotnet publish names no output folder (-o)");
        var published = words[output + 1];

        // COPY --from=<build stage> <publish output> . puts it in the runtime stage's WORKDIR.
        var copy = Dockerfile.Final.All("COPY").Select(DockerfileStage.Words)
            .Single(c => c[0] == $"--from={build.Name}" && c[1].TrimEnd('/') == published.TrimEnd('/'));
        Assert.Equal(".", copy[2]);

        words[output + 1] = AppDirectory;
        return words[1..]; // without "dotnet"
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(AppDirectory);
        // Build-only settings: no MSBuild or compiler server is left running after the publish.
        var environment = new Dictionary<string, string?>
        {
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["UseSharedCompilation"] = "false",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        await using var publish = ProxyProcess.Start(ProxyProcess.DotnetHost, PublishArguments(), environment, ShippedConfigs.RepositoryRoot);
        var exitCode = await publish.WaitForExitAsync(PublishTimeout);
        if (exitCode != 0 || !File.Exists(Path.Combine(AppDirectory, "AuthProxy.dll")))
        {
            throw new InvalidOperationException($"dotnet publish failed ({exitCode}):{Environment.NewLine}{publish.StandardOutput}{publish.StandardError}");
        }
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}
