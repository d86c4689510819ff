using System.Net;
using System.Text.Json.Nodes;
using AuthProxy.Configuration;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tests.Sandbox;
using Yarp.ReverseProxy;

namespace AuthProxy.Tests.Integration;

/// <summary>
/// YARP behaviour that changed between 2.1 and 2.3 and reaches AuthProxy: what upstreams receive, which route
/// settings start-up accepts, and which settings the configuration schema must know.
/// </summary>
public sealed class YarpBehaviourTests(ITestOutputHelper output)
{
    /// <summary>
    /// YARP 2.2 (#2400): on a dual-stack listener an IPv4 client shows as <c>::ffff:a.b.c.d</c>; X-Forwarded-For now
    /// carries the IPv4 form, as an upstream's allow-list or audit log expects. AuthProxy sends no X-Forwarded headers
    /// unless a route asks for them (below); this route does. Run through the route's real transforms, AuthToken included.
    /// </summary>
    [Theory]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8::7", "2001:db8::7")]
    public async Task XForwardedFor_Ipv4MappedClient_IsForwardedInIpv4Form(string remote, string forwarded)
    {
        await using var env = await TestEnvironment.StartAsync(output, o => o.Config = e => WithXForwarded(Configs.Kms(e.Idp.Url, e.Upstream.Url)));
        Assert.True(env.Proxy.Services.GetRequiredService<IProxyStateLookup>().TryGetRoute("kms", out var route));
        var context = NewRequest(remote);
        using var proxyRequest = new HttpRequestMessage(HttpMethod.Get, (Uri?)null);
        using var cts = TestTimeouts.Cts();

        await route.Transformer.TransformRequestAsync(context, proxyRequest, env.Upstream.Url + "/", cts.Token);

        Assert.Equal([forwarded], proxyRequest.Headers.GetValues("X-Forwarded-For"));
        Assert.Equal(["http"], proxyRequest.Headers.GetValues("X-Forwarded-Proto"));
        Assert.Equal(["authproxy.example"], proxyRequest.Headers.GetValues("X-Forwarded-Host"));
        Assert.Equal("Bearer tok-1", Assert.Single(proxyRequest.Headers.GetValues("Authorization")));
        Assert.Equal(new Uri(env.Upstream.Url + "/api/v2/keys"), proxyRequest.RequestUri);
    }

    /// <summary>
    /// YARP's default X-Forwarded-For/-Proto/-Host/-Prefix are off (README "Performance"): a route without the
    /// <c>X-Forwarded</c> transform forwards none of its own, end to end; and the proxy's own answers carry no <c>Server</c>
    /// header (an upstream's is passed on, as YARP does).
    /// </summary>
    [Fact]
    public async Task DefaultRoute_SendsNoXForwardedHeaders_AndAnswersWithoutServerHeader()
    {
        await using var env = await TestEnvironment.StartAsync(output);
        using var cts = TestTimeouts.Cts();

        using var response = await env.Client.GetAsync("/kms/api/v2/keys", cts.Token);

        using var health = await env.Client.GetAsync("/healthz", cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(health.Headers.Contains("Server"));
        var received = Assert.Single(env.Upstream.Requests);
        foreach (var name in new[] { "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Prefix" })
        {
            Assert.Null(received.Header(name));
        }

        Assert.Equal("Bearer tok-1", received.Header("Authorization"));
    }

    /// <summary><c>Kestrel:AddServerHeader=true</c> brings the <c>Server</c> header back.</summary>
    [Fact]
    public async Task ServerHeader_CanBeTurnedBackOn()
    {
        await using var env = await TestEnvironment.StartAsync(output, o => o.ProxyArgs.Add("--Kestrel:AddServerHeader=true"));
        using var cts = TestTimeouts.Cts();

        using var health = await env.Client.GetAsync("/healthz", cts.Token);

        Assert.Equal("Kestrel", health.Headers.Server.ToString());
    }

    private static string WithXForwarded(string config) =>
        config.Replace("""{ "PathRemovePrefix": "/kms" },""", """{ "PathRemovePrefix": "/kms" }, { "X-Forwarded": "Set" },""", StringComparison.Ordinal);

    private static DefaultHttpContext NewRequest(string remote)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("authproxy.example");
        context.Request.Method = "GET";
        context.Request.Path = "/kms/api/v2/keys";
        return context;
    }

    /// <summary>
    /// YARP 2.2 (#2328) reads a route's <c>OutputCachePolicy</c> (2.1 ignored the key). AuthProxy registers no output
    /// cache, and a cached upstream answer obtained with the proxy's credential must not be served again anyway: the
    /// route is refused with its path, not silently left uncached.
    /// </summary>
    [Fact]
    public async Task RouteWithOutputCachePolicy_IsRefusedAtStartup_NamingTheRoute()
    {
        var config = Configs.Kms("http://127.0.0.1:9", "http://127.0.0.1:9")
            .Replace("\"ClusterId\": \"keyprotect\",", "\"ClusterId\": \"keyprotect\", \"OutputCachePolicy\": \"cache-keys\",", StringComparison.Ordinal);

        var ex = await Assert.ThrowsAsync<ConfigurationProblemsException>(() => ProxyHost.StartAsync(config, output));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("ReverseProxy:Routes:kms", problem.Path);
        Assert.Contains("OutputCache policy 'cache-keys' not found", problem.Reason, StringComparison.Ordinal);
    }

    /// <summary>
    /// A route <c>Timeout</c> needs ASP.NET Core's request-timeout middleware; YARP refuses to forward without it (and
    /// since 2.2 only when the timeout is finite). AuthProxy adds it, so such a route forwards (and answers 504 when the
    /// upstream is too slow: HardeningTests).
    /// </summary>
    [Fact]
    public async Task RouteWithTimeout_IsForwarded()
    {
        await using var env = await TestEnvironment.StartAsync(output, o => o.Config = e => Configs.Kms(e.Idp.Url, e.Upstream.Url)
            .Replace("\"ClusterId\": \"keyprotect\",", "\"ClusterId\": \"keyprotect\", \"Timeout\": \"00:00:30\",", StringComparison.Ordinal));

        using var response = await env.Client.GetAsync("/kms/api/v2/keys");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer tok-1", Assert.Single(env.Upstream.Requests).Header("Authorization"));
    }

    /// <summary>
    /// AuthProxy's schema closes every object (<c>additionalProperties: false</c>), so a setting YARP added since 2.1
    /// and the schema does not list is flagged in the editor although the proxy accepts it. YARP ships its own schema
    /// (ConfigurationSchema.json, copied next to the tests at build): every route and cluster setting in it must be in
    /// ours, except the ones AuthProxy refuses.
    /// </summary>
    [Fact]
    public void ConfigSchema_KnowsEveryRouteAndClusterSettingOfYarpsSchema()
    {
        string[] refused = ["ReverseProxy.Routes.*.OutputCachePolicy"];
        var yarp = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "yarp-configuration-schema.json")))!;
        var ours = JsonNode.Parse(File.ReadAllText(ConfigFiles.Path("authproxy.schema.json")))!;
        var missing = new List<string>();

        Compare(yarp["properties"]!["ReverseProxy"]!, ours["properties"]!["ReverseProxy"]!, "ReverseProxy", ours["$defs"]!, missing);

        Assert.Equal(refused, missing);
    }

    private static void Compare(JsonNode yarp, JsonNode ours, string path, JsonNode defs, List<string> missing)
    {
        ours = Resolve(ours, defs);
        if (yarp["patternProperties"] is JsonObject pattern)
        {
            // A map (route id → route): YARP's pattern ".", ours additionalProperties.
            Compare(pattern.Single().Value!, ours["additionalProperties"]!, path + ".*", defs, missing);
            return;
        }

        if (yarp["properties"] is not JsonObject properties)
        {
            return;
        }

        foreach (var (name, setting) in properties)
        {
            if (Resolve(ours, defs)["properties"]?[name] is not { } counterpart)
            {
                missing.Add($"{path}.{name}");
            }
            else if (setting is JsonObject { } nested && (nested.ContainsKey("properties") || nested.ContainsKey("patternProperties")))
            {
                Compare(nested, counterpart, $"{path}.{name}", defs, missing);
            }
        }
    }

    private static JsonNode Resolve(JsonNode node, JsonNode defs)
    {
        while (node["$ref"]?.GetValue<string>() is { } reference)
        {
            node = defs[reference[(reference.LastIndexOf('/') + 1)..]]!;
        }

        return node;
    }
}
