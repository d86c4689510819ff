using AuthProxy.Hosting;

namespace AuthProxy.Tests.Hosting;

/// <summary>The command line cannot mislead: unknown or misspelt arguments are usage errors, help and version win.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new[] { "validate", "/path/file.json" }, "unexpected argument '/path/file.json'; name the file to check with --config PATH")]
    [InlineData(new[] { "validate", "-c", "file.json" }, "unknown option '-c'")]
    [InlineData(new[] { "validate", "--conifg", "file.json" }, "unknown option '--conifg' (did you mean --config?)")]
    [InlineData(new[] { "--conifg", "file.json" }, "unknown option '--conifg' (did you mean --config?)")]
    [InlineData(new[] { "file.json" }, "unexpected argument 'file.json'; name the configuration file with --config PATH")]
    [InlineData(new[] { "--config" }, "option '--config' needs a value")]
    [InlineData(new[] { "--urls", "--config", "x" }, "option '--urls' needs a value")]
    [InlineData(new[] { "--InboundAuht:AllowAnonymous", "true" }, "unknown option '--InboundAuht:AllowAnonymous' (did you mean --InboundAuth:…?)")]
    [InlineData(new[] { "--Foo:Bar", "x" }, "unknown option '--Foo:Bar'")]
    [InlineData(new[] { "--", "--urls", "x" }, "unknown option '--'")]
    public void Parse_MistakenArguments_AreUsageErrors(string[] args, string error)
    {
        var command = CommandLine.Parse(args);

        Assert.Equal(error, command.Error);
    }

    [Theory]
    [InlineData(new[] { "--help" }, "Help")]
    [InlineData(new[] { "-h" }, "Help")]
    [InlineData(new[] { "--help", "--urls", "http://127.0.0.1:1" }, "Help")]
    [InlineData(new[] { "validate", "--help" }, "Help")]
    [InlineData(new[] { "--config", "x", "--version" }, "Version")]
    [InlineData(new[] { "--conifg", "--help" }, "Help")]
    public void Parse_HelpAndVersion_WinWhereverTheyAppear(string[] args, string verb)
    {
        var command = CommandLine.Parse(args);

        Assert.Null(command.Error);
        Assert.Equal(verb, command.Verb.ToString());
    }

    [Fact]
    public void Parse_ConfigurationOverrides_AreNormalisedForTheConfigurationProvider()
    {
        var command = CommandLine.Parse(["validate", "--config", "a.json", "--urls", "http://127.0.0.1:1", "--InboundAuth:AllowAnonymous=true",
            "--TokenProviders:kp:ApiKey", "k", "--OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318", "--config=b.json"]);

        Assert.Null(command.Error);
        Assert.Equal(CommandVerb.Validate, command.Verb);
        Assert.Equal("b.json", command.ConfigPath);
        Assert.Equal(["--urls=http://127.0.0.1:1", "--InboundAuth:AllowAnonymous=true", "--TokenProviders:kp:ApiKey=k",
            "--OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318"], command.ConfigArgs);
    }

    [Fact]
    public void Build_UnknownArgument_IsRefusedBeforeAnythingStarts()
    {
        var error = Assert.Throws<ArgumentException>(() => AuthProxyApp.Build(["--conifg", "x.json"]));

        Assert.Contains("did you mean --config?", error.Message);
    }

    [Fact]
    public void Usage_NamesEveryVerbAndOption()
    {
        Assert.Contains("AuthProxy validate [--config PATH]", CommandLine.Usage);
        Assert.Contains("--version", CommandLine.Usage);
        Assert.Contains("--InboundAuth:AllowAnonymous true", CommandLine.Usage);
        Assert.Matches(@"^\d+\.\d+\.\d+", CommandLine.Version);
    }
}
