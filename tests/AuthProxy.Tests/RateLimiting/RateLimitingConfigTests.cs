using AuthProxy.Hosting;
using AuthProxy.RateLimiting;
using AuthProxy.Tests.Configuration;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.RateLimiting;

/// <summary>The <c>RateLimiting</c> section and the routes' <c>RateLimiterPolicy</c> names, judged with the rest (start-up, reload, validate).</summary>
public sealed class RateLimitingConfigTests
{
    public static TheoryData<string, string> Kinds => new()
    {
        { """{ "Kind": "FixedWindow", "PermitLimit": 10, "Window": "00:01:00" }""", "FixedWindow" },
        { """{ "Kind": "SlidingWindow", "PermitLimit": 10, "Window": "00:01:00", "SegmentsPerWindow": 6 }""", "SlidingWindow" },
        { """{ "Kind": "TokenBucket", "TokenLimit": 20, "TokensPerPeriod": 5, "ReplenishmentPeriod": "00:00:10", "QueueLimit": 2 }""", "TokenBucket" },
        { """{ "Kind": "concurrency", "PermitLimit": 4, "PartitionBy": "Global" }""", "Concurrency" },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EachKind_IsRead(string policy, string kind)
    {
        var snapshot = Judge(policy, routePolicy: "p");

        Assert.Empty(snapshot.Problems);
        Assert.Equal(Enum.Parse<RateLimitKind>(kind), snapshot.RateLimits.Policies["p"].Kind);
    }

    public static TheoryData<string, string, string> Mistakes => new()
    {
        { """{ "PermitLimit": 10 }""", "RateLimiting:Policies:p:Kind", "required" },
        { """{ "Kind": "LeakyBucket" }""", "RateLimiting:Policies:p:Kind", "unknown kind" },
        { """{ "Kind": "FixedWindow", "Window": "00:01:00" }""", "RateLimiting:Policies:p:PermitLimit", "required for Kind FixedWindow" },
        { """{ "Kind": "FixedWindow", "PermitLimit": 0, "Window": "00:01:00" }""", "RateLimiting:Policies:p:PermitLimit", "at least 1" },
        { """{ "Kind": "FixedWindow", "PermitLimit": 5, "Window": "soon" }""", "RateLimiting:Policies:p:Window", "positive duration" },
        { """{ "Kind": "FixedWindow", "PermitLimit": 5, "Window": "00:00:00" }""", "RateLimiting:Policies:p:Window", "positive duration" },
        { """{ "Kind": "FixedWindow", "PermitLimit": 5, "Window": "00:01:00", "TokenLimit": 3 }""", "RateLimiting:Policies:p:TokenLimit", "does not apply to Kind FixedWindow" },
        { """{ "Kind": "SlidingWindow", "PermitLimit": 5, "Window": "00:01:00" }""", "RateLimiting:Policies:p:SegmentsPerWindow", "required" },
        { """{ "Kind": "TokenBucket", "TokenLimit": 5, "TokensPerPeriod": 1 }""", "RateLimiting:Policies:p:ReplenishmentPeriod", "required" },
        { """{ "Kind": "Concurrency", "PermitLimit": 2, "QueueLimit": -1 }""", "RateLimiting:Policies:p:QueueLimit", "at least 0" },
        { """{ "Kind": "Concurrency", "PermitLimit": 2, "PartitionBy": "Tenant" }""", "RateLimiting:Policies:p:PartitionBy", "Client, Route, Global" },
        { """{ "Kind": "Concurrency", "PermitLimit": 2, "Burst": 3 }""", "RateLimiting:Policies:p:Burst", "unknown option" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Mistake_IsReportedAtItsPath(string policy, string path, string reason)
    {
        var problem = Assert.Single(Judge(policy, routePolicy: null).Problems);

        Assert.Equal(path, problem.Path);
        Assert.Contains(reason, problem.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Default")]
    [InlineData("disable")]
    public void ReservedName_IsNotAPolicyName(string name)
    {
        var snapshot = ConfigChecks.Judge(Configuration($$"""{ "RateLimiting": { "Policies": { "{{name}}": { "Kind": "Concurrency", "PermitLimit": 1 } } } }"""));

        Assert.Contains(snapshot.Problems, p => p.Path == $"RateLimiting:Policies:{name}" && p.Reason.Contains("reserved", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("P")] // names are matched exactly, as YARP and ASP.NET Core match them
    public void RouteNamingAnUnknownPolicy_IsRefusedAtItsRateLimiterPolicyKey(string routePolicy)
    {
        var problem = Assert.Single(Judge("""{ "Kind": "Concurrency", "PermitLimit": 1 }""", routePolicy).Problems);

        Assert.Equal("ReverseProxy:Routes:r:RateLimiterPolicy", problem.Path);
        Assert.Contains($"'{routePolicy}'", problem.Reason, StringComparison.Ordinal);
        Assert.Contains("configured: p", problem.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Default")]
    [InlineData("Disable")]
    public void RouteNamingYarpsReservedValues_IsAccepted(string routePolicy) =>
        Assert.Empty(Judge("""{ "Kind": "Concurrency", "PermitLimit": 1 }""", routePolicy).Problems);

    [Fact]
    public void RouteNamingAPolicy_WithoutAnyPolicies_IsRefused()
    {
        var snapshot = ConfigChecks.Judge(Configuration(Routes("p")));

        var problem = Assert.Single(snapshot.Problems);
        Assert.Equal("ReverseProxy:Routes:r:RateLimiterPolicy", problem.Path);
        Assert.Contains("configured: none", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RefusesAnUnknownPolicy_NamingItsPath()
    {
        using var files = new TempDirectory();
        var file = files.Write("authproxy.json", Json("""{ "Kind": "Concurrency", "PermitLimit": 1 }""", "typo"));
        var output = new StringWriter();
        var error = new StringWriter();

        Assert.Equal(1, ValidateCommand.Run(["--config", file], output, error));
        Assert.StartsWith("ReverseProxy:Routes:r:RateLimiterPolicy: route 'r' names rate-limit policy 'typo'", error.ToString(), StringComparison.Ordinal);
        Assert.Throws<AuthProxy.Configuration.ConfigurationProblemsException>(() => AuthProxyApp.Build(["--config", file]));
    }

    [Fact]
    public void Schema_KnowsTheOptionsTheProxyKnows_ForRateLimitsTheTokenCacheAndShutdown()
    {
        using var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(ShippedConfigs.FullPath(ShippedConfigs.Schema)));
        var defs = schema.RootElement.GetProperty("$defs");
        static IEnumerable<string> Names(System.Text.Json.JsonElement properties) => properties.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);

        Assert.Equal(RateLimitingConfig.CommonOptions.Concat(RateLimitingConfig.KindOptions.Values.SelectMany(o => o)).Distinct().Order(StringComparer.Ordinal),
            Names(defs.GetProperty("rateLimitPolicy").GetProperty("properties")));
        Assert.Equal(Enum.GetNames<RateLimitKind>().Order(StringComparer.Ordinal),
            defs.GetProperty("rateLimitPolicy").GetProperty("properties").GetProperty("Kind").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(AuthProxy.Tokens.Fleet.TokenCacheConfig.RedisOptions.Order(StringComparer.Ordinal),
            Names(defs.GetProperty("tokenCache").GetProperty("properties").GetProperty("Redis").GetProperty("properties")));
        Assert.Equal([ShutdownConfig.DrainDelayKey], Names(schema.RootElement.GetProperty("properties").GetProperty("Shutdown").GetProperty("properties")));
    }

    private static ConfigSnapshot Judge(string policy, string? routePolicy) => ConfigChecks.Judge(Configuration(Json(policy, routePolicy)));

    private static string Json(string policy, string? routePolicy) =>
        $$"""{ "RateLimiting": { "Policies": { "p": {{policy}} } }, {{Routes(routePolicy)[1..^1]}} }""";

    private static string Routes(string? routePolicy) => $$"""
        {
          "ReverseProxy": {
            "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "/r/{**rest}" }{{(routePolicy is null ? "" : $", \"RateLimiterPolicy\": \"{routePolicy}\"")}} } },
            "Clusters": { "c": { "Destinations": { "d": { "Address": "http://127.0.0.1:1/" } } } }
          }
        }
        """;

    private static IConfiguration Configuration(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();
}
