using AuthProxy.Hosting;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tests.InboundAuth;

namespace AuthProxy.Tests.Hosting;

/// <summary><c>validate</c> judges exactly what start-up judges: the file, the environment and its own command line.</summary>
public sealed class ValidateCommandTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Validate_NamesTheFileItChecked()
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());

        var (code, stdout, stderr) = Run("--config", config);

        Assert.Equal(0, code);
        Assert.Equal($"OK: {config}", stdout.Trim());
        Assert.Equal("", stderr);
    }

    [Theory]
    [InlineData("--urls", "http://0.0.0.0:8080")]
    [InlineData("--urls", "http://127.0.0.1:8080;http://+:8081")]
    [InlineData("--Kestrel:Endpoints:pub:Url", "http://[::]:9000")]
    public void Validate_AnonymousProxyOnANonLoopbackListener_IsRefusedAsAtStartUp(string option, string value)
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());

        var (code, stdout, stderr) = Run("--config", config, option, value);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("InboundAuth:Clients: no inbound clients are configured", line);
        Assert.Contains("AllowAnonymous", line);
        Assert.Throws<AuthProxy.Configuration.ConfigurationProblemsException>(() => AuthProxyApp.Build(["--config", config, option, value]));
    }

    [Fact]
    public void Validate_KestrelEndpointInTheFile_CountsForTheListenerRule()
    {
        var json = InboundConfigs.Minimal().TrimEnd().TrimEnd('}') + """, "Kestrel": { "Endpoints": { "pub": { "Url": "http://0.0.0.0:9000" } } } }""";
        var config = _folder.Write("authproxy.json", json);

        var (code, _, stderr) = Run("--config", config);

        Assert.Equal(1, code);
        Assert.Contains("'http://0.0.0.0:9000'", stderr);
    }

    [Fact]
    public void Validate_AllowAnonymousOnTheCommandLine_IsTakenIntoAccount()
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());

        var (code, stdout, _) = Run("--config", config, "--urls", "http://0.0.0.0:8080", "--InboundAuth:AllowAnonymous", "true");

        Assert.Equal(0, code);
        Assert.StartsWith("OK: ", stdout);
    }

    [Theory]
    [InlineData("/path/file.json")]
    [InlineData("-c")]
    [InlineData("--conifg")]
    public void Validate_ArgumentItDoesNotKnow_IsAUsageErrorNotACheckOfAnotherFile(string argument)
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal());

        var (code, stdout, stderr) = Run(argument, config);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("AuthProxy: ", stderr);
        Assert.Contains("Usage:", stderr);
    }

    [Fact]
    public void Validate_JsonSyntaxError_IsReportedOnceWithLineColumnAndKeyPath()
    {
        var config = _folder.Write("authproxy.json", "{\n  \"ReverseProxy\": {\n    \"Routes\": {\n      \"kms\": { \"ClusterId\": \"c\" \"Order\": 1 }\n    }\n  }\n}\n");

        var (code, _, stderr) = Run("--config", config);

        Assert.Equal(1, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("ReverseProxy:Routes:kms:ClusterId: the configuration file is not valid JSON at line 4, column 33: ", line);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(line, "line"));
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ValidateCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
