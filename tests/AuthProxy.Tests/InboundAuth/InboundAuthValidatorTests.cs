using AuthProxy.Hosting;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Configuration;

namespace AuthProxy.Tests.InboundAuth;

/// <summary>The InboundAuth rules, through the shared validator used at start-up, on reload and by <c>validate</c>.</summary>
public sealed class InboundAuthValidatorTests(ITestOutputHelper testOutput) : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ValidSection_WithRoutesNamingAPolicyDefaultAndAnonymous_HasNoProblem()
    {
        var keyFile = _folder.Write("batch-key", InboundConfigs.BatchKey);
        var json = InboundConfigs.Gateway("http://127.0.0.1:9", "http://127.0.0.1:9", InboundConfigs.InboundSection(keyFile));

        var result = ConfigChecks.Judge(InboundConfigs.FromJson(json));

        Assert.Empty(result.Problems);
    }

    public static TheoryData<string, string> SectionProblems() => new()
    {
        { """{ "Clients": { "a": { } } }""", "InboundAuth:Clients:a" },
        { """{ "Clients": { "a": { "ApiKey": "" } } }""", "InboundAuth:Clients:a:ApiKey" },
        { """{ "Clients": { "a": { "ApiKey": "k1", "ApiKeyFile": "/run/secrets/k" } } }""", "InboundAuth:Clients:a" },
        { """{ "Clients": { "a": { "ApiKey": "k1", "ApiKeySha256": "0000000000000000000000000000000000000000000000000000000000000000" } } }""", "InboundAuth:Clients:a" },
        { """{ "Clients": { "a": "k1" } }""", "InboundAuth:Clients:a" },
        { """{ "Clients": { "a": { "ApiKy": "k1" } } }""", "InboundAuth:Clients:a:ApiKy" },
        { """{ "Clients": { "a": { "ApiKeyFile": "/nonexistent/authproxy-test/key" } } }""", "InboundAuth:Clients:a:ApiKeyFile" },
        { """{ "Clients": { "a": { "ApiKeySha256": "abc123" } } }""", "InboundAuth:Clients:a:ApiKeySha256" },
        { """{ "Clients": { "a": { "ApiKeySha256": "zz00000000000000000000000000000000000000000000000000000000000000" } } }""", "InboundAuth:Clients:a:ApiKeySha256" },
        { """{ "Clients": { "a": { "ApiKey": "dup-key-1" }, "b": { "ApiKey": "dup-key-1" } } }""", "InboundAuth:Clients:b" },
        { """{ "Clients": { "a": { "ApiKey": "k1" } }, "Policies": { "p": [ "a", "ghost" ] } }""", "InboundAuth:Policies:p:1" },
        { """{ "Clients": { "a": { "ApiKey": "k1" } }, "Policies": { "p": [ ] } }""", "InboundAuth:Policies:p" },
        { """{ "Clients": { "a": { "ApiKey": "k1" } }, "Policies": { "p": "a" } }""", "InboundAuth:Policies:p" },
        { """{ "Clients": { "a": { "ApiKey": "k1" } }, "Policies": { "Default": [ "a" ] } }""", "InboundAuth:Policies:Default" },
        { """{ "AllowAnonymous": "yes" }""", "InboundAuth:AllowAnonymous" },
        { """{ "Client": { "a": { "ApiKey": "k1" } } }""", "InboundAuth:Client" },
    };

    [Theory]
    [MemberData(nameof(SectionProblems))]
    public void InvalidSection_IsReportedOnceWithItsPath(string inbound, string path)
    {
        var result = ConfigChecks.Judge(InboundConfigs.FromJson(InboundConfigs.Minimal(inbound)));

        var problem = Assert.Single(result.Problems);
        Assert.Equal(path, problem.Path);
        Assert.DoesNotContain("k1", problem.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("dup-key-1", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyKeyFile_IsReported()
    {
        var file = _folder.Write("empty", " \n");

        var result = ConfigChecks.Judge(InboundConfigs.FromJson(InboundConfigs.Minimal($$"""{ "Clients": { "a": { "ApiKeyFile": "{{file}}" } } }""")));

        var problem = Assert.Single(result.Problems);
        Assert.Equal("InboundAuth:Clients:a:ApiKeyFile", problem.Path);
        Assert.Contains("empty", problem.Reason);
    }

    [Fact]
    public void RouteNamingAnUnknownPolicy_IsReportedOnceAtItsAuthorizationPolicyPath()
    {
        var json = InboundConfigs.Gateway("http://127.0.0.1:9", "http://127.0.0.1:9",
            $$"""{ "Clients": { "billing-app": { "ApiKey": "{{InboundConfigs.BillingKey}}" } }, "Policies": { "other": [ "billing-app" ] } }""");

        var result = ConfigChecks.Judge(InboundConfigs.FromJson(json));

        var problem = Assert.Single(result.Problems);
        Assert.Equal("ReverseProxy:Routes:kms:AuthorizationPolicy", problem.Path);
        Assert.Contains("kms-clients", problem.Reason);
    }

    [Fact]
    public void ValidateCommand_PrintsEveryInboundProblemWithItsPath()
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal(
            """{ "Clients": { "a": { "ApiKeySha256": "abc" }, "b": { "ApiKey": "" } }, "Policies": { "p": [ "ghost" ] }, "AllowAnonymous": "maybe" }"""));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = ValidateCommand.Run(["--config", config], output, error);

        Assert.Equal(1, exit);
        testOutput.WriteLine(error.ToString());
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("InboundAuth:Clients:a:ApiKeySha256: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("InboundAuth:Clients:b:ApiKey: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("InboundAuth:Policies:p:0: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("InboundAuth:AllowAnonymous: ", StringComparison.Ordinal));
        Assert.Equal(4, lines.Length);
    }
}
