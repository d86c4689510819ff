using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using AuthProxy.Telemetry;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.RateLimiting;

/// <summary>
/// README "Running a fleet": rate limits behind YARP's <c>RateLimiterPolicy</c>, end to end over real sockets — each limiter kind, each
/// partitioning, the 429 answer, live edits, and the metric. Limits are set so no test depends on time passing.
/// </summary>
public sealed class RateLimitingTests(ITestOutputHelper output)
{
    private const string AliceKey = "alice-key-5a1f0e27-SECRET";
    private const string BobKey = "bob-key-9c3d7b11-SECRET";

    [Fact]
    public async Task FixedWindow_PerClient_RefusesTheClientOverItsLimit_NotTheOthers_With429ProblemAndRetryAfter()
    {
        await using var env = await StartAsync("""{ "p": { "Kind": "FixedWindow", "PermitLimit": 2, "Window": "01:00:00" } }""");

        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/1", AliceKey));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/2", AliceKey));
        using var refused = await SendForResponseAsync(env, "/a/3", AliceKey);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var retryAfter = Assert.Single(refused.Headers.GetValues("Retry-After"));
        Assert.InRange(long.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, 3600);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("'p'", problem.RootElement.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Contains("rate-limit policy 'p'", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(AliceKey, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(env.Upstream.Requests, r => r.Path == "/3");

        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/4", BobKey)); // bob's own partition
    }

    [Fact]
    public async Task SlidingWindow_PerRoute_LimitsEachRouteApart()
    {
        await using var env = await StartAsync("""{ "p": { "Kind": "SlidingWindow", "PermitLimit": 1, "Window": "01:00:00", "SegmentsPerWindow": 4, "PartitionBy": "Route" } }""");

        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/1", AliceKey));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(env, "/a/2", BobKey)); // the route's budget, whoever asks
        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/b/1", AliceKey));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(env, "/b/2", AliceKey));
    }

    [Fact]
    public async Task TokenBucket_Global_IsSharedByEveryRouteAndClient()
    {
        await using var env = await StartAsync("""{ "p": { "Kind": "TokenBucket", "TokenLimit": 2, "TokensPerPeriod": 1, "ReplenishmentPeriod": "01:00:00", "PartitionBy": "Global" } }""");

        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/1", AliceKey));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/b/1", BobKey));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(env, "/a/2", BobKey));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(env, "/b/2", AliceKey));
    }

    [Fact]
    public async Task Concurrency_PerClient_RefusesASecondRequestInFlight_WithRetryAfter()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var env = await StartAsync("""{ "p": { "Kind": "Concurrency", "PermitLimit": 1 } }""", async (context, request) =>
        {
            if (request.Path == "/slow")
            {
                await gate.Task.WaitAsync(TestTimeouts.Default);
            }
        });

        var first = SendAsync(env, "/a/slow", AliceKey);
        await env.Upstream.NextRequestAsync();
        using var second = await SendForResponseAsync(env, "/a/fast", AliceKey);
        var other = await SendAsync(env, "/a/fast", BobKey);
        gate.SetResult();

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("1", Assert.Single(second.Headers.GetValues("Retry-After")));
        Assert.Equal(HttpStatusCode.OK, other);
        Assert.Equal(HttpStatusCode.OK, await first);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/after", AliceKey)); // the permit came back
    }

    [Fact]
    public async Task Anonymous_PartitionByClient_IsPerCallerAddress()
    {
        await using var env = await StartAsync("""{ "p": { "Kind": "FixedWindow", "PermitLimit": 1, "Window": "01:00:00" } }""");

        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/open/1", key: null));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(env, "/open/2", key: null)); // the same address: 127.0.0.1
        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/1", AliceKey)); // an authenticated client is its own partition
    }

    [Fact]
    public async Task RouteWithoutAPolicy_IsNeverLimited()
    {
        await using var env = await StartAsync("""{ "p": { "Kind": "FixedWindow", "PermitLimit": 1, "Window": "01:00:00", "PartitionBy": "Global" } }""");

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await SendAsync(env, $"/free/{i}", AliceKey));
        }
    }

    [Fact]
    public async Task LiveEdit_RaisesALimit_AndANewPolicyNamedByARoute_AppliesWithoutRestart()
    {
        await using var env = await StartAsync("""{ "p": { "Kind": "FixedWindow", "PermitLimit": 1, "Window": "01:00:00" } }""");
        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/1", AliceKey));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(env, "/a/2", AliceKey));

        // p allows 3 now; route b names a policy that did not exist at start-up.
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, Gateway(env.Upstream.Url,
            """{ "p": { "Kind": "FixedWindow", "PermitLimit": 3, "Window": "01:00:00" }, "q": { "Kind": "FixedWindow", "PermitLimit": 1, "Window": "01:00:00", "PartitionBy": "Global" } }""",
            routeBPolicy: "q"));

        Assert.True(await Eventually.TrueAsync(async () => await SendAsync(env, "/a/3", AliceKey) == HttpStatusCode.OK), "the raised limit did not apply");
        Assert.True(await Eventually.TrueAsync(async () => await SendAsync(env, "/b/1", AliceKey) == HttpStatusCode.TooManyRequests),
            "the new policy q did not apply to route b");
    }

    [Fact]
    public async Task LiveEdit_TheFirstRouteToNameAPolicy_IsLimitedWithoutRestart()
    {
        await using var env = await TestEnvironment.StartAsync(output, options =>
            options.Config = env => Gateway(env.Upstream.Url, "{}", routeAPolicy: null, routeBPolicy: null));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/1", AliceKey));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/2", AliceKey));

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, Gateway(env.Upstream.Url,
            """{ "new": { "Kind": "FixedWindow", "PermitLimit": 1, "Window": "01:00:00", "PartitionBy": "Global" } }""", routeAPolicy: null, routeBPolicy: "new"));

        Assert.True(await Eventually.TrueAsync(async () => await SendAsync(env, "/b/1", AliceKey) == HttpStatusCode.TooManyRequests),
            "the first policy added live did not apply");
        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/3", AliceKey));
    }

    [Fact]
    public async Task LiveEdit_NamingAnUnknownPolicy_IsRejected_AndTheLimitsKeepServing()
    {
        await using var env = await StartAsync("""{ "p": { "Kind": "FixedWindow", "PermitLimit": 1, "Window": "01:00:00" } }""");
        using var admin = env.Proxy.CreateClient();

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, Gateway(env.Upstream.Url,
            """{ "p": { "Kind": "FixedWindow", "PermitLimit": 1, "Window": "01:00:00" } }""", routeBPolicy: "typo"));

        Assert.True(await Eventually.TrueAsync(async () =>
            (await admin.GetStringAsync("/_authproxy/status")).Contains("ReverseProxy:Routes:b:RateLimiterPolicy", StringComparison.Ordinal)),
            "the rejected edit was not reported at its key path");
        Assert.Equal(HttpStatusCode.OK, await SendAsync(env, "/a/1", AliceKey));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(env, "/a/2", AliceKey));
    }

    [Fact]
    public async Task Rejections_AreCounted_ByPolicyAndClient()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<(string? Policy, string? Client)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == AuthProxyTelemetry.Name && instrument.Name == "authproxy.ratelimit.rejections")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? policy = null, client = null;
            foreach (var tag in tags)
            {
                if (tag.Key == AuthProxyTelemetry.PolicyTag)
                {
                    policy = tag.Value as string;
                }
                else if (tag.Key == AuthProxyTelemetry.ClientTag)
                {
                    client = tag.Value as string;
                }
            }

            seen.Enqueue((policy, client));
        });
        listener.Start();
        await using var env = await StartAsync("""{ "metered": { "Kind": "FixedWindow", "PermitLimit": 1, "Window": "01:00:00" } }""", policyName: "metered");

        await SendAsync(env, "/a/1", AliceKey);
        await SendAsync(env, "/a/2", AliceKey);
        await SendAsync(env, "/open/1", key: null);
        await SendAsync(env, "/open/2", key: null);

        Assert.Contains(("metered", "alice"), seen);
        Assert.Contains(("metered", "anonymous"), seen);
    }

    [Fact]
    public async Task RateLimited_GrpcRequest_GetsGrpcStatus14_AndRetryPushback()
    {
        await using var env = await StartAsync("""{ "p": { "Kind": "FixedWindow", "PermitLimit": 1, "Window": "01:00:00" } }""");
        await SendAsync(env, "/a/1", AliceKey, grpc: true);

        using var refused = await SendForResponseAsync(env, "/a/2", AliceKey, grpc: true);

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.StartsWith("application/grpc", refused.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Equal("14", GrpcHeader(refused, "grpc-status"));
        Assert.True(long.Parse(GrpcHeader(refused, "grpc-retry-pushback-ms")!, System.Globalization.CultureInfo.InvariantCulture) >= 1000);
        Assert.Contains("p", Uri.UnescapeDataString(GrpcHeader(refused, "grpc-message") ?? ""), StringComparison.Ordinal);
    }

    private static string? GrpcHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.TrailingHeaders.TryGetValues(name, out values) ? values.FirstOrDefault() : null;

    private Task<TestEnvironment> StartAsync(string policies, Func<HttpContext, RecordedRequest, Task>? upstream = null, string policyName = "p") =>
        TestEnvironment.StartAsync(output, options =>
        {
            if (upstream is not null)
            {
                options.Upstream = upstream;
            }

            options.Config = env => Gateway(env.Upstream.Url, policies, policyName, policyName);
        });

    /// <summary>Routes /a and /b (clients), /open (anonymous) naming the policy, /free naming none.</summary>
    private static string Gateway(string upstreamUrl, string policies, string? routeAPolicy = "p", string? routeBPolicy = "p") => $$"""
    {
      "InboundAuth": { "Clients": { "alice": { "ApiKey": "{{AliceKey}}" }, "bob": { "ApiKey": "{{BobKey}}" } } },
      "RateLimiting": { "Policies": {{policies}} },
      "ReverseProxy": {
        "Routes": {
          "a": { "ClusterId": "c", "Match": { "Path": "/a/{**rest}" }, {{Policy(routeAPolicy)}} "Transforms": [ { "PathRemovePrefix": "/a" } ] },
          "b": { "ClusterId": "c", "Match": { "Path": "/b/{**rest}" }, {{Policy(routeBPolicy)}} "Transforms": [ { "PathRemovePrefix": "/b" } ] },
          "open": { "ClusterId": "c", "AuthorizationPolicy": "Anonymous", "Match": { "Path": "/open/{**rest}" }, {{Policy(routeAPolicy)}} "Transforms": [ { "PathRemovePrefix": "/open" } ] },
          "free": { "ClusterId": "c", "Match": { "Path": "/free/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/free" } ] }
        },
        "Clusters": { "c": { "Destinations": { "d": { "Address": "{{upstreamUrl}}/" } } } }
      }
    }
    """;

    private static string Policy(string? name) => name is null ? "" : $"\"RateLimiterPolicy\": \"{name}\",";

    private static async Task<HttpStatusCode> SendAsync(TestEnvironment env, string path, string? key, bool grpc = false)
    {
        using var response = await SendForResponseAsync(env, path, key, grpc);
        return response.StatusCode;
    }

    private static async Task<HttpResponseMessage> SendForResponseAsync(TestEnvironment env, string path, string? key, bool grpc = false)
    {
        using var request = new HttpRequestMessage(grpc ? HttpMethod.Post : HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.Add("X-API-Key", key);
        }

        if (grpc)
        {
            request.Content = new ByteArrayContent([0, 0, 0, 0, 0]);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        }

        return await env.Client.SendAsync(request);
    }
}
