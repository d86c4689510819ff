using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Integration;

/// <summary>docs/tokens.md: an upstream 401 to a revoked token drops it, fetches a new one and retries the request once.</summary>
public sealed class UpstreamRetryTests(ITestOutputHelper output)
{
    private readonly ConcurrentDictionary<string, bool> _revoked = new();
    private volatile bool _refuseAll;

    [Fact]
    public async Task Get_AfterTokenRevoked_SucceedsWithANewToken()
    {
        await using var env = await StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await env.Client.GetAsync("/kms/api/v2/keys")).StatusCode);
        _revoked["Bearer tok-1"] = true;

        using var response = await env.Client.GetAsync("/kms/api/v2/keys");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer tok-2", response.Headers.GetValues("x-seen-authorization").Single());
        Assert.Equal(2, env.Iam.RequestCount);
        Assert.Equal(3, env.Upstream.RequestCount);
    }

    [Fact]
    public async Task SmallJsonPost_AfterTokenRevoked_IsReplayedByteForByte()
    {
        await using var env = await StartAsync();
        await env.Client.GetAsync("/kms/api/v2/keys");
        _revoked["Bearer tok-1"] = true;
        const string json = """{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json","collectionTotal":1},"resources":[{"type":"application/vnd.ibm.kms.key+json","name":"retried-key","extractable":false}]}""";

        using var response = await env.Client.PostAsync("/kms/api/v2/keys", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var posts = env.Upstream.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(2, posts.Count);
        Assert.All(posts, p => Assert.Equal(json, p.BodyText));
        Assert.Equal(["Bearer tok-1", "Bearer tok-2"], posts.Select(p => p.Header("Authorization")));
    }

    [Fact]
    public async Task ChunkedSmallBody_WithoutContentLength_IsRetried()
    {
        await using var env = await StartAsync();
        await env.Client.GetAsync("/kms/api/v2/keys");
        _revoked["Bearer tok-1"] = true;
        var payload = RandomNumberGenerator.GetBytes(1000);

        using var content = new StreamContent(new NonSeekableStream(payload));
        using var response = await env.Client.PostAsync("/kms/api/v2/keys", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var posts = env.Upstream.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(2, posts.Count);
        Assert.All(posts, p => Assert.Equal(payload, p.Body));
    }

    [Fact]
    public async Task OneMegabytePost_IsNotRetried_AndStillStreamsIntact()
    {
        await using var env = await StartAsync();
        await env.Client.GetAsync("/kms/api/v2/keys");
        _revoked["Bearer tok-1"] = true;
        var payload = RandomNumberGenerator.GetBytes(1024 * 1024);

        using var chunked = new StreamContent(new NonSeekableStream(payload));
        using var response = await env.Client.PostAsync("/kms/api/v2/keys", chunked);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var post = Assert.Single(env.Upstream.Requests, r => r.Method == "POST");
        Assert.Equal(payload, post.Body);

        // The rejected token was still dropped: the next request gets a new one.
        using var next = await env.Client.GetAsync("/kms/api/v2/keys");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("Bearer tok-2", next.Headers.GetValues("x-seen-authorization").Single());
    }

    [Fact]
    public async Task LargeBodyWithContentLength_IsNotRetried()
    {
        await using var env = await StartAsync();
        await env.Client.GetAsync("/kms/api/v2/keys");
        _revoked["Bearer tok-1"] = true;

        using var response = await env.Client.PostAsync("/kms/api/v2/keys", new ByteArrayContent(new byte[70_000]));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Single(env.Upstream.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task RevocationsInQuickSuccession_EachAcceptedTokenIsDroppedAtOnce()
    {
        await using var env = await StartAsync();
        await env.Client.GetAsync("/kms/api/v2/keys");
        _revoked["Bearer tok-1"] = true;
        Assert.Equal(HttpStatusCode.OK, (await env.Client.GetAsync("/kms/api/v2/keys")).StatusCode); // tok-2, accepted

        _revoked["Bearer tok-2"] = true; // well within a second of the previous drop
        using var response = await env.Client.GetAsync("/kms/api/v2/keys");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer tok-3", response.Headers.GetValues("x-seen-authorization").Single());
    }

    [Fact]
    public async Task UpstreamRejectingEveryToken_CostsNoTokenRequestBeyondTheFirst()
    {
        await using var env = await StartAsync(alwaysUnauthorized: true);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await env.Client.GetAsync("/kms/api/v2/keys")).StatusCode);
        }

        // The first 401 met a token fetched after its request began: a refusal of the request, not retried. The resource
        // refused a fresh token, so the later 401s there cost nothing either (docs/tokens.md).
        Assert.Equal(1, env.Iam.RequestCount);
        Assert.Equal(20, env.Upstream.RequestCount);
    }

    [Theory]
    [InlineData(false, HttpStatusCode.BadGateway)]
    [InlineData(true, HttpStatusCode.GatewayTimeout)]
    public async Task RevokedToken_WhenTheRetrysTokenCannotBeHad_GetsTheProxysProblemAnswer(bool hang, HttpStatusCode expected)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        await using var env = await StartAsync(time: time);
        await env.Client.GetAsync("/kms/api/v2/keys");
        _revoked["Bearer tok-1"] = true;
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        env.Iam.Handler = hang
            ? (c, _) => never.Task.WaitAsync(c.RequestAborted)
            : FakeIam.Error(400, "BXNIM0415E", "Provided API key could not be found.");
        var fetch = env.Iam.NextRequestAsync();

        var pending = env.Client.GetAsync("/kms/api/v2/keys");
        await fetch;
        if (hang)
        {
            time.Advance(TimeSpan.FromSeconds(10)); // the provider's default Timeout
        }

        using var response = await pending.WaitAsync(TestTimeouts.Default);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"provider\":\"kp\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, env.Upstream.RequestCount);
    }

    [Fact]
    public async Task MalformedChunkedBody_Gets400_NotAServerError()
    {
        await using var env = await StartAsync();
        var uri = new Uri(env.Proxy.Url);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        await using var stream = tcp.GetStream();
        var request = "POST /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n"u8.ToArray();
        await stream.WriteAsync(request);

        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TestTimeouts.Default);
        var status = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];

        Assert.StartsWith("HTTP/1.1 400", status);
        Assert.Equal(0, env.Upstream.Requests.Count(r => r.Method == "POST"));
        Assert.DoesNotContain(env.Proxy.Logs, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SecondUnauthorized_ReachesTheClientWithItsBody()
    {
        await using var env = await StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await env.Client.GetAsync("/kms/api/v2/keys")).StatusCode);
        _refuseAll = true; // the resource that accepted tok-1 now refuses it: dropped as revoked, retried with tok-2

        using var response = await env.Client.GetAsync("/kms/api/v2/keys");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Unauthorized", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, env.Upstream.RequestCount);
        Assert.Equal(2, env.Iam.RequestCount);
    }

    [Fact]
    public async Task RetryBodyLimitZero_DisablesTheRetry()
    {
        await using var env = await StartAsync(authTokenExtra: ", \"RetryBodyLimit\": \"0\"");
        await env.Client.GetAsync("/kms/api/v2/keys");
        _revoked["Bearer tok-1"] = true;

        using var response = await env.Client.GetAsync("/kms/api/v2/keys");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(2, env.Upstream.RequestCount);
    }

    [Fact]
    public async Task FiftyConcurrentRequestsMeetingA401_CauseOneTokenFetch()
    {
        await using var env = await StartAsync();
        await env.Client.GetAsync("/kms/api/v2/keys");
        _revoked["Bearer tok-1"] = true;

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => env.Client.GetAsync($"/kms/api/v2/keys/{i}")))
            .WaitAsync(TestTimeouts.Default);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, env.Iam.RequestCount);
    }

    private async Task<Env> StartAsync(bool alwaysUnauthorized = false, string authTokenExtra = "", TimeProvider? time = null)
    {
        var iam = await FakeServer.StartAsync(FakeIam.Tokens(time: time));
        var upstream = await FakeServer.StartAsync(async (c, r) =>
        {
            var authorization = r.Header("Authorization") ?? "";
            if (alwaysUnauthorized || _refuseAll || _revoked.ContainsKey(authorization))
            {
                c.Response.StatusCode = 401;
                await c.Response.WriteAsync("""{"resources":[{"errorMsg":"Unauthorized: The user does not have access to the specified resource"}]}""");
                return;
            }

            c.Response.Headers["x-seen-authorization"] = authorization;
            await c.Response.WriteAsync("ok");
        });
        var proxy = await ProxyHost.StartAsync(Configs.Kms(iam.Url, upstream.Url, authTokenExtra: authTokenExtra), output, time);
        return new Env(iam, upstream, proxy, proxy.CreateClient());
    }

    private sealed record Env(FakeServer Iam, FakeServer Upstream, ProxyHost Proxy, HttpClient Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Proxy.DisposeAsync();
            await Upstream.DisposeAsync();
            await Iam.DisposeAsync();
        }
    }

    /// <summary>Forces chunked transfer: HttpClient cannot know the length of a non-seekable stream.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
