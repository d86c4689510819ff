using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AuthProxy.Configuration;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Integration;

/// <summary>The walking skeleton over real sockets: proxy, fake IAM and fake upstream all on 127.0.0.1:0.</summary>
public sealed class ProxyEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Post_ThroughKmsRoute_ForwardsBodyMethodAndHeadersWithBearer()
    {
        await using var env = await TestEnvironment.StartAsync(output, o =>
            o.Upstream = (c, _) => { c.Response.StatusCode = 201; return c.Response.WriteAsync("{\"created\":true}"); });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/kms/api/v2/keys?extractable=false")
        {
            Content = new StringContent("""{"metadata":{},"resources":[{"name":"k1"}]}""", Encoding.UTF8, "application/vnd.ibm.kms.key+json"),
        };
        request.Headers.Add("Prefer", "return=representation");
        request.Headers.Add("correlation-id", "abc-123");

        using var response = await env.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("{\"created\":true}", await response.Content.ReadAsStringAsync());
        var seen = Assert.Single(env.Upstream.Requests);
        Assert.Equal("POST", seen.Method);
        Assert.Equal("/api/v2/keys", seen.Path);
        Assert.Equal("?extractable=false", seen.Query);
        Assert.Equal("""{"metadata":{},"resources":[{"name":"k1"}]}""", seen.BodyText);
        Assert.StartsWith("application/vnd.ibm.kms.key+json", seen.Header("Content-Type"));
        Assert.Equal("return=representation", seen.Header("Prefer"));
        Assert.Equal("abc-123", seen.Header("correlation-id"));
        Assert.Equal("Bearer tok-1", seen.Header("Authorization"));
        Assert.Equal("instance-guid", seen.Header("bluemix-instance"));
    }

    [Fact]
    public async Task ExactIamRequest_IsTheApiKeyGrantForm()
    {
        await using var env = await TestEnvironment.StartAsync(output);

        await env.Client.GetAsync("/kms/api/v2/keys");

        var token = Assert.Single(env.Idp.Requests);
        Assert.Equal("POST", token.Method);
        Assert.Equal("/identity/token", token.Path);
        Assert.StartsWith("application/x-www-form-urlencoded", token.Header("Content-Type"));
        Assert.Equal("application/json", token.Header("Accept"));
        Assert.Equal("urn:ibm:params:oauth:grant-type:apikey", token.Form["grant_type"]);
        Assert.Equal(Configs.ApiKey, token.Form["apikey"]);
    }

    [Fact]
    public async Task ClientAuthorizationHeader_IsReplacedAndNeverForwarded()
    {
        await using var env = await TestEnvironment.StartAsync(output);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/kms/api/v2/keys");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "evil");

        using var response = await env.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(env.Upstream.Requests);
        Assert.Equal("Bearer tok-1", seen.Header("Authorization"));
        Assert.DoesNotContain("evil", string.Join("\n", seen.Headers.Values));
    }

    [Fact]
    public async Task TenMegabyteBody_StreamsThroughIntact()
    {
        var payload = RandomNumberGenerator.GetBytes(10 * 1024 * 1024);
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Upstream = (c, r) => c.Response.WriteAsync(Convert.ToHexString(SHA256.HashData(r.Body)) + ":" + r.Body.Length);
            o.MinimumLevel = LogLevel.Information;
        });

        using var content = new StreamContent(new MemoryStream(payload));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await env.Client.PutAsync("/kms/api/v2/blob", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(payload)) + ":" + payload.Length, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task IamRefusesApiKey_ClientGets502ProblemNamingProviderNotKey_UpstreamNotCalled()
    {
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Idp = FakeIam.Error(400, "BXNIM0415E", "Provided API key could not be found.");
            o.MinimumLevel = LogLevel.Trace;
        });

        using var response = await env.Client.GetAsync("/kms/api/v2/keys");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(502, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("'kp'", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("BXNIM0415E", problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal("kp", problem.RootElement.GetProperty("provider").GetString());
        Assert.DoesNotContain(Configs.ApiKey, body);
        Assert.DoesNotContain(env.Proxy.Logs, l => l.Contains(Configs.ApiKey, StringComparison.Ordinal));
        Assert.Equal(0, env.Upstream.RequestCount);
    }

    [Fact]
    public async Task IamHangsPastTimeout_ClientGets504Problem_UpstreamNotCalled()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Idp = (c, _) => release.Task.WaitAsync(c.RequestAborted);
            o.Config = e => Configs.Kms(e.Idp.Url, e.Upstream.Url, providerExtra: ", \"Timeout\": \"00:00:01\"");
        });

        try
        {
            using var response = await env.Client.GetAsync("/kms/api/v2/keys");

            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains("'kp'", problem.RootElement.GetProperty("title").GetString());
            Assert.Contains("1 s", problem.RootElement.GetProperty("detail").GetString());
            Assert.Equal(0, env.Upstream.RequestCount);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task ConcurrentFirstRequests_CauseExactlyOneTokenRequest()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tokens = FakeIam.Tokens();
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Idp = async (c, r) => { await gate.Task.WaitAsync(c.RequestAborted); await tokens(c, r); };
            o.MinimumLevel = LogLevel.Information;
        });

        var requests = Enumerable.Range(0, 50).Select(i => env.Client.GetAsync($"/kms/api/v2/keys/{i}")).ToArray();
        await env.Idp.NextRequestAsync();
        gate.SetResult();
        var responses = await Task.WhenAll(requests).WaitAsync(TestTimeouts.Default);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, env.Idp.RequestCount);
        Assert.All(env.Upstream.Requests, r => Assert.Equal("Bearer tok-1", r.Header("Authorization")));
    }

    [Fact]
    public async Task UnknownProviderInAuthToken_FailsStartupNamingTheRoute()
    {
        var config = Configs.Kms("http://127.0.0.1:9", "http://127.0.0.1:9").Replace("\"AuthToken\": \"kp\"", "\"AuthToken\": \"nope\"");

        var ex = await Assert.ThrowsAsync<ConfigurationProblemsException>(() => ProxyHost.StartAsync(config, output));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("ReverseProxy:Routes:kms:Transforms:1:AuthToken", problem.Path);
        Assert.Contains("route 'kms'", problem.Reason);
        Assert.Contains("unknown token provider 'nope'", problem.Reason);
    }

    [Fact]
    public async Task HealthAndReadiness_Answer200()
    {
        await using var env = await TestEnvironment.StartAsync(output);

        Assert.Equal(HttpStatusCode.OK, (await env.Client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await env.Client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(0, env.Idp.RequestCount);
        Assert.Equal(0, env.Upstream.RequestCount);
    }
}
