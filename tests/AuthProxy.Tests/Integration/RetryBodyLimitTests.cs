using AuthProxy.Hosting;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using AuthProxy.Configuration;
using AuthProxy.Proxy;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Integration;

/// <summary>
/// docs/configuration.md and docs/tokens.md: <c>RetryBodyLimit</c> is at most 16 MiB, and the retry buffers of all requests together stay
/// within a process-wide budget; a body beyond either streams on intact and is not retried.
/// </summary>
public sealed class RetryBodyLimitTests(ITestOutputHelper output)
{
    private readonly ConcurrentDictionary<string, bool> _revoked = new();

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("4294967296")]
    [InlineData("4294967300")]
    [InlineData("3000000000")]
    [InlineData("16777217")]
    public async Task Validate_RetryBodyLimitOverSixteenMebibytes_IsAConfigurationError(string value)
    {
        var (code, stderr) = await ValidateAsync(value);

        Assert.Equal(1, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("ReverseProxy:Routes:kms:Transforms:1:RetryBodyLimit: ", line, StringComparison.Ordinal);
        Assert.Contains("16777216 (16 MiB)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_RetryBodyLimitAtTheCap_IsValid()
    {
        var (code, stderr) = await ValidateAsync("16777216");

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task ChunkedPost_OnARouteAtTheCap_IsRetriedByteForByte()
    {
        await using var env = await StartAsync(", \"RetryBodyLimit\": \"16777216\"");
        await env.Client.GetAsync("/kms/api/v2/keys");
        _revoked["Bearer tok-1"] = true;
        var payload = RandomNumberGenerator.GetBytes(100 * 1024);

        using var response = await env.Client.PostAsync("/kms/api/v2/keys", new StreamContent(new NonSeekableStream(payload)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var posts = env.Upstream.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(2, posts.Count);
        Assert.All(posts, p => Assert.Equal(payload, p.Body));
    }

    [Fact]
    public async Task BodyBeyondTheProcessBudget_IsForwardedIntactWithoutRetry_AndBuffersAreReturned()
    {
        var budget = new RetryBufferBudget(8 * 1024);
        await using var env = await StartAsync(budget: budget);
        await env.Client.GetAsync("/kms/api/v2/keys");
        _revoked["Bearer tok-1"] = true;
        var large = RandomNumberGenerator.GetBytes(50_000);

        using var response = await env.Client.PostAsync("/kms/api/v2/keys", new StreamContent(new NonSeekableStream(large)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode); // not replayable: the upstream's 401 goes to the client
        Assert.Equal(large, Assert.Single(env.Upstream.Requests, r => r.Method == "POST").Body);

        // A body within the budget is still retried after a revocation.
        var small = RandomNumberGenerator.GetBytes(2000);
        using (var accepted = await env.Client.PostAsync("/kms/api/v2/keys", new StreamContent(new NonSeekableStream(small))))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode); // tok-2
        }

        _revoked["Bearer tok-2"] = true;
        using var retried = await env.Client.PostAsync("/kms/api/v2/keys", new StreamContent(new NonSeekableStream(small)));

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);

        // Kestrel disposes what a request registered before it reads the next request on the connection.
        Assert.Equal(HttpStatusCode.OK, (await env.Client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(0, budget.InUse);
    }

    private static async Task<(int Code, string Stderr)> ValidateAsync(string limit)
    {
        var path = Path.Combine(Path.GetTempPath(), $"authproxy-retry-limit-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, Configs.Kms("http://127.0.0.1:9", "http://127.0.0.1:9", authTokenExtra: $", \"RetryBodyLimit\": \"{limit}\""));
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var code = ValidateCommand.Run(["--config", path], stdout, stderr);
            return (code, stderr.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task<Env> StartAsync(string authTokenExtra = "", RetryBufferBudget? budget = null)
    {
        var iam = await FakeServer.StartAsync(FakeIam.Tokens());
        var upstream = await FakeServer.StartAsync(async (c, r) =>
        {
            if (_revoked.ContainsKey(r.Header("Authorization") ?? ""))
            {
                c.Response.StatusCode = 401;
                await c.Response.WriteAsync("""{"resources":[{"errorMsg":"Unauthorized"}]}""");
                return;
            }

            await c.Response.WriteAsync("ok");
        });
        var proxy = await ProxyHost.StartAsync(Configs.Kms(iam.Url, upstream.Url, authTokenExtra: authTokenExtra), output,
            configure: budget is null ? null : b => b.Services.AddSingleton(budget));
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
