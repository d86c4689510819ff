using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AuthProxy.InboundAuth;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.InboundAuth;

/// <summary>Inbound client authentication over real sockets: proxy, fake IAM and fake upstream on 127.0.0.1:0.</summary>
public sealed class InboundAuthEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task NoCredential_Gets401WithChallenge_AndReachesNeitherIamNorUpstream()
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var response = await client.GetAsync("/kms/api/v2/keys");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic realm=\"AuthProxy\", charset=\"UTF-8\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, body.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(0, gateway.Idp.RequestCount);
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Theory]
    [InlineData("X-API-Key", "not-a-client-key")]
    [InlineData("Authorization", "Basic YmlsbGluZy1hcHA6d3Jvbmc=")] // billing-app:wrong
    public async Task WrongCredential_Gets401_AndReachesNeitherIamNorUpstream(string header, string value)
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var response = await client.SendAsync(Request("/kms/api/v2/keys", (header, value)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, gateway.Idp.RequestCount);
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task ClientOutsideTheRoutePolicy_Gets403_AndReachesNeitherIamNorUpstream()
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var response = await client.SendAsync(Request("/kms/api/v2/keys", ("X-API-Key", InboundConfigs.BatchKey)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("'batch'", body.RootElement.GetProperty("detail").GetString());
        Assert.Equal(0, gateway.Idp.RequestCount);
        Assert.Equal(0, gateway.Upstream.RequestCount);
    }

    [Fact]
    public async Task ValidApiKey_OnAuthTokenRoute_UpstreamGetsBearerButNoInboundCredential()
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var response = await client.SendAsync(Request("/kms/api/v2/keys", ("X-API-Key", InboundConfigs.BillingKey)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(gateway.Upstream.Requests);
        Assert.Equal("/api/v2/keys", seen.Path);
        Assert.Null(seen.Header("X-API-Key"));
        Assert.Equal("Bearer tok-1", seen.Header("Authorization"));
    }

    [Fact]
    public async Task ValidBasicCredentialWithHashedKey_OnAuthTokenRoute_UpstreamGetsOnlyTheBearer()
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var response = await client.SendAsync(Request("/kms/api/v2/keys",
            ("Authorization", InboundConfigs.Basic("legacy", InboundConfigs.LegacyKey))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(gateway.Upstream.Requests);
        Assert.Equal("Bearer tok-1", seen.Header("Authorization"));
        Assert.Null(seen.Header("X-API-Key"));
    }

    [Fact]
    public async Task RouteWithoutPolicy_RequiresAKnownClient_WhenClientsExist()
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var anonymous = await client.GetAsync("/plain/data");
        using var withKey = await client.SendAsync(Request("/plain/data", ("X-API-Key", InboundConfigs.BatchKey)));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        var seen = Assert.Single(gateway.Upstream.Requests);
        Assert.Equal("/data", seen.Path);
        Assert.Null(seen.Header("X-API-Key"));
    }

    [Fact]
    public async Task DefaultPolicyRoute_AcceptsAnyKnownClient()
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var anonymous = await client.GetAsync("/any/data");
        using var batch = await client.SendAsync(Request("/any/data", ("X-API-Key", InboundConfigs.BatchKey)));
        using var legacy = await client.SendAsync(Request("/any/data", ("X-API-Key", InboundConfigs.LegacyKey)));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        Assert.Equal(HttpStatusCode.OK, legacy.StatusCode);
    }

    [Fact]
    public async Task AnonymousRoute_WorksWithoutAKey()
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var response = await client.GetAsync("/open/data");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/data", Assert.Single(gateway.Upstream.Requests).Path);
    }

    [Fact]
    public async Task InboundBasicCredential_OnRouteWithoutAuthToken_IsStripped()
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var response = await client.SendAsync(Request("/plain/data", ("Authorization", InboundConfigs.Basic("batch", InboundConfigs.BatchKey))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Assert.Single(gateway.Upstream.Requests).Header("Authorization"));
    }

    [Theory]
    [InlineData("Bearer upstream-own-token")]
    [InlineData("Basic dXBzdHJlYW0tdXNlcjpwYXNzd29yZA==")] // upstream-user:password, not an inbound client
    public async Task OtherAuthorization_OnRouteWithoutAuthToken_PassesThrough(string authorization)
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var response = await client.SendAsync(Request("/plain/data", ("X-API-Key", InboundConfigs.BatchKey), ("Authorization", authorization)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(gateway.Upstream.Requests);
        Assert.Equal(authorization, seen.Header("Authorization"));
        Assert.Null(seen.Header("X-API-Key"));
    }

    [Fact]
    public async Task AnonymousRoute_StillStripsInboundCredentials()
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var response = await client.SendAsync(Request("/open/data",
            ("X-API-Key", "whatever-the-caller-sent"), ("Authorization", InboundConfigs.Basic("billing-app", "a-wrong-key"))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(gateway.Upstream.Requests);
        Assert.Null(seen.Header("X-API-Key"));
        Assert.Null(seen.Header("Authorization"));
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task HealthEndpoints_StayAnonymous(string path)
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Rejections_AreCountedByReason()
    {
        await using var gateway = await StartGatewayAsync();
        var factory = gateway.Proxy.Services.GetRequiredService<IMeterFactory>();
        var reasons = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "authproxy.inbound.rejections" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    reasons.Enqueue($"{tag.Value}:{value}");
                }
            }
        });
        listener.Start();
        var client = gateway.Client;

        using var unauthenticated = await client.GetAsync("/kms/x");
        using var forbidden = await client.SendAsync(Request("/kms/x", ("X-API-Key", InboundConfigs.BatchKey)));
        using var allowed = await client.SendAsync(Request("/kms/x", ("X-API-Key", InboundConfigs.BillingKey)));

        Assert.Equal(["unauthenticated:1", "forbidden:1"], reasons.ToArray());
    }

    [Fact]
    public async Task Logs_AtDebug_NeverContainAClientKey()
    {
        await using var gateway = await StartGatewayAsync();
        var client = gateway.Client;

        var requests = new (string Path, (string, string) Header)[]
        {
            ("/kms/x", ("X-API-Key", InboundConfigs.BillingKey)),
            ("/kms/x", ("X-API-Key", InboundConfigs.BatchKey)),
            ("/kms/x", ("X-API-Key", InboundConfigs.LegacyKey + "-wrong")),
            ("/kms/x", ("Authorization", InboundConfigs.Basic("legacy", InboundConfigs.LegacyKey))),
            ("/kms/x", ("Authorization", InboundConfigs.Basic(InboundConfigs.BillingKey, ""))),
            ("/open/x", ("Authorization", InboundConfigs.Basic("billing-app", InboundConfigs.BatchKey))),
            ("/plain/x", ("Authorization", InboundConfigs.Basic("batch", InboundConfigs.BatchKey))),
        };
        foreach (var (path, header) in requests)
        {
            using var response = await client.SendAsync(Request(path, header));
        }

        var logs = string.Join("\n", gateway.Proxy.Logs);
        Assert.Contains("Inbound client 'billing-app' authenticated", logs);
        foreach (var key in InboundConfigs.AllKeys)
        {
            Assert.DoesNotContain(key, logs);
            Assert.DoesNotContain(InboundConfigs.Sha256Hex(key), logs, StringComparison.OrdinalIgnoreCase);
        }

        foreach (var (_, (_, value)) in requests)
        {
            Assert.DoesNotContain(value, logs);
        }
    }

    [Fact]
    public async Task ClientsAppliedLive_TakeEffectForTheNextRequest()
    {
        await using var env = await TestEnvironment.StartAsync(output, o => o.Config = e =>
            InboundConfigs.Gateway(e.Idp.Url, e.Upstream.Url, inbound: null).Replace("\"AuthorizationPolicy\": \"kms-clients\",", "", StringComparison.Ordinal));
        var client = env.Client;
        var store = env.Proxy.Services.GetRequiredService<InboundClientStore>();

        using var openBefore = await client.GetAsync("/plain/data");
        Assert.Equal(HttpStatusCode.OK, openBefore.StatusCode);

        Assert.Empty(store.Apply(InboundConfigs.FromJson(InboundConfigs.Minimal(
            $$"""{ "Clients": { "billing-app": { "ApiKey": "{{InboundConfigs.BillingKey}}" } } }"""))));

        using var anonymous = await client.GetAsync("/plain/data");
        using var withKey = await client.SendAsync(Request("/plain/data", ("X-API-Key", InboundConfigs.BillingKey)));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);

        Assert.Empty(store.Apply(InboundConfigs.FromJson(InboundConfigs.Minimal(
            $$"""{ "Clients": { "batch": { "ApiKey": "{{InboundConfigs.BatchKey}}" } } }"""))));

        using var oldKey = await client.SendAsync(Request("/plain/data", ("X-API-Key", InboundConfigs.BillingKey)));
        using var newKey = await client.SendAsync(Request("/plain/data", ("X-API-Key", InboundConfigs.BatchKey)));
        Assert.Equal(HttpStatusCode.Unauthorized, oldKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newKey.StatusCode);
    }

    private static HttpRequestMessage Request(string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>Fake IAM, fake upstream answering "ok" and the proxy configured with the three test clients.</summary>
    private Task<TestEnvironment> StartGatewayAsync() => TestEnvironment.StartAsync(output, o =>
    {
        o.Upstream = (c, _) => c.Response.WriteAsync("ok");
        o.Config = e => InboundConfigs.Gateway(e.Idp.Url, e.Upstream.Url,
            InboundConfigs.InboundSection(e.Files.Write("batch-key", InboundConfigs.BatchKey + "\n")));
    });
}
