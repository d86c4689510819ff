using System.Net;
using System.Net.Sockets;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tests.InboundAuth;

namespace AuthProxy.Tests.Hosting;

/// <summary>The command line as a user sees it: the real process, its exit code and what it prints.</summary>
public sealed class CommandLineProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--help", "--urls", "http://127.0.0.1:1")]
    public async Task Help_PrintsUsageAndExits0WithoutStarting(params string[] args)
    {
        await using var process = Start(args);

        Assert.Equal(0, await process.WaitForExitAsync(TestTimeouts.Default));
        Assert.StartsWith("Usage:", process.StandardOutput);
        Assert.Equal("", process.StandardError);
    }

    [Fact]
    public async Task Version_PrintsTheVersionAndExits0()
    {
        await using var process = Start("--version");

        Assert.Equal(0, await process.WaitForExitAsync(TestTimeouts.Default));
        Assert.Matches(@"^AuthProxy \d+\.\d+\.\d+", process.StandardOutput);
    }

    [Theory]
    [InlineData("validate", "/path/file.json")]
    [InlineData("validate", "-c", "config/authproxy.json")]
    [InlineData("validate", "--conifg", "config/authproxy.json")]
    [InlineData("--conifg", "config/authproxy.json")]
    public async Task UnknownArgument_Exits2WithTheUsageOnStandardError(params string[] args)
    {
        await using var process = Start(args);

        Assert.Equal(2, await process.WaitForExitAsync(TestTimeouts.Default));
        Assert.Equal("", process.StandardOutput);
        Assert.StartsWith("AuthProxy: ", process.StandardError);
        Assert.Contains("Usage:", process.StandardError);
    }

    [Fact]
    public async Task PortInUse_Exits1WithOneLineNamingTheAddress()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());

        await using var process = Start("--config", config, "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(1, await process.WaitForExitAsync(TestTimeouts.Default));
        var error = Assert.Single(process.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal($"AuthProxy: cannot listen on http://127.0.0.1:{port}: the address is already in use by another process; " +
            "stop that process or choose another listener (--urls http://127.0.0.1:PORT)", error);
        Assert.DoesNotContain("   at ", process.StandardOutput);
    }

    private ProxyProcess Start(params string[] args) =>
        ProxyProcess.Start(ProxyProcess.DotnetHost, [Path.Combine(AppContext.BaseDirectory, "AuthProxy.dll"), .. args],
            workingDirectory: ShippedConfigsRoot(), output: output);

    private static string ShippedConfigsRoot() => AuthProxy.Tests.Configuration.ShippedConfigs.RepositoryRoot;
}
