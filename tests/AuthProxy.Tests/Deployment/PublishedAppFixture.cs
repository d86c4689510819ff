using AuthProxy.Tests.Configuration;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Deployment;

/// <summary>
/// Runs the Dockerfile's <c>dotnet restore</c> and <c>dotnet publish</c> once, into a temp folder laid out like the image: the folder stands for
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

    /// <summary>
    /// The build stage's restore and publish commands, in order, with <c>$TARGETARCH</c> as this host's architecture (as
    /// BuildKit would set it) and the publish output redirected to where the runtime stage copies it.
    /// </summary>
    internal IReadOnlyList<IReadOnlyList<string>> BuildCommands()
    {
        var build = Dockerfile.Stages.Take(Dockerfile.Stages.Count - 1).Single(s => s.All("RUN").Any(r => r.StartsWith("dotnet publish", StringComparison.Ordinal)));
        var commands = build.All("RUN").Where(r => r.StartsWith("dotnet restore", StringComparison.Ordinal) || r.StartsWith("dotnet publish", StringComparison.Ordinal))
            .Select(r => DockerfileStage.Words(r.Replace("$TARGETARCH", TargetArch, StringComparison.Ordinal))).ToList();
        var words = commands.Single(c => c[1] == "publish");
        var output = words.FindIndex(w => w is "-o" or "--output");
        Assert.True(output > 0, "the Dockerfile's dotnet publish names no output folder (-o)");
        var published = words[output + 1];

        // COPY --from=<build stage> <publish output> . puts it in the runtime stage's WORKDIR.
        var copy = Dockerfile.Final.All("COPY").Select(DockerfileStage.Words)
            .Single(c => c[0] == $"--from={build.Name}" && c[1].TrimEnd('/') == published.TrimEnd('/'));
        Assert.Equal(".", copy[2]);

        words[output + 1] = AppDirectory;
        return [.. commands.Select(c => (IReadOnlyList<string>)c[1..])]; // without "dotnet"
    }

    /// <summary>This host's architecture as Docker names it in <c>TARGETARCH</c>.</summary>
    private static string TargetArch => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        var other => other.ToString().ToLowerInvariant(),
    };

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
        foreach (var command in BuildCommands())
        {
            await using var step = ProxyProcess.Start(ProxyProcess.DotnetHost, command, environment, ShippedConfigs.RepositoryRoot);
            var exitCode = await step.WaitForExitAsync(PublishTimeout);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"dotnet {command[0]} failed ({exitCode}):{Environment.NewLine}{step.StandardOutput}{step.StandardError}");
            }
        }

        if (!File.Exists(Path.Combine(AppDirectory, "AuthProxy.dll")))
        {
            throw new InvalidOperationException("the Dockerfile's publish left no AuthProxy.dll where the runtime stage copies it from");
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
