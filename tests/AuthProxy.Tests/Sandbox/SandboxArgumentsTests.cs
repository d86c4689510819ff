using AuthProxy.Sandbox.Hosting;

namespace AuthProxy.Tests.Sandbox;

public sealed class SandboxArgumentsTests
{
    [Fact]
    public void Parse_SandboxOptions_AreTakenOut_RestGoesToProxy()
    {
        var parsed = SandboxArguments.Parse(["--emulators-only", "--iam-port", "0", "--urls", "http://127.0.0.1:9000", "--sklm-port=9994", "--config", "x.json"], out var error);

        Assert.Null(error);
        Assert.True(parsed.EmulatorsOnly);
        Assert.Equal(0, parsed.Emulators.IamPort);
        Assert.Equal(SandboxDefaults.KeyProtectPort, parsed.Emulators.KeyProtectPort);
        Assert.Equal(9994, parsed.Emulators.SklmPort);
        Assert.Equal(["--urls", "http://127.0.0.1:9000", "--config", "x.json"], parsed.ProxyArgs);
    }

    [Theory]
    [InlineData("--help", true, false)]
    [InlineData("-h", true, false)]
    [InlineData("--version", false, true)]
    public void Parse_HelpAndVersion_AreTheSandboxsOwn(string arg, bool help, bool version)
    {
        var parsed = SandboxArguments.Parse([arg, "--urls", "http://127.0.0.1:1"], out var error);

        Assert.Null(error);
        Assert.Equal(help, parsed.Help);
        Assert.Equal(version, parsed.Version);
    }

    [Theory]
    [InlineData("--iam-port")]
    [InlineData("--cloudpak-port", "http")]
    [InlineData("--keyprotect-port=70000")]
    public void Parse_BadPort_IsAnError(params string[] args)
    {
        SandboxArguments.Parse(args, out var error);

        Assert.NotNull(error);
    }

    [Fact]
    public void WithConfig_AddsDefaultFileUnlessGiven()
    {
        var repo = ConfigFiles.Directory;
        var nested = Path.Combine(repo, "examples");

        var added = SandboxConfigLocator.WithConfig(["--urls", "u"], nested, "/");
        var kept = SandboxConfigLocator.WithConfig(["--config=mine.json"], nested, "/");

        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("AUTHPROXY_CONFIG")))
        {
            Assert.Equal(["--config", Path.Combine(repo, "authproxy.json"), "--urls", "u"], added);
        }

        Assert.Equal(["--config=mine.json"], kept);
    }
}
