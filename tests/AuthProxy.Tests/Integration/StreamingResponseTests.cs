using System.Net;
using System.Text;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Integration;

/// <summary>
/// docs/protocols.md: streamed responses — server-sent events (watsonx <c>generation_stream</c>) and chunked bodies — reach the
/// client as the upstream writes them. Each test's upstream writes its next piece only once the client has seen the
/// previous one, so a proxy that buffered anything would never finish (and the test times out).
/// </summary>
public sealed class StreamingResponseTests(ITestOutputHelper output)
{
    private const int Events = 4;

    [Fact]
    public async Task ServerSentEvents_ArriveOneByOne_WhileTheUpstreamHoldsTheStreamOpen()
    {
        var seen = NewSignals(Events);
        var upstreamDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var env = await TestEnvironment.StartAsync(output, o => o.Upstream = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            for (var i = 0; i < Events; i++)
            {
                if (i > 0)
                {
                    await seen[i - 1].Task.WaitAsync(TestTimeouts.Default, context.RequestAborted); // the client saw event i-1
                }

                await context.Response.WriteAsync($"id: {i + 1}\nevent: message\ndata: {{\"generated_text\":\"token{i}\"}}\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }

            await seen[Events - 1].Task.WaitAsync(TestTimeouts.Default, context.RequestAborted); // ends only after the last was seen
            upstreamDone.SetResult();
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/kms/ml/v1/text/generation_stream?version=2024-05-01")
        {
            Content = new StringContent("""{"input":"Hello","model_id":"ibm/granite-13b-instruct-v2"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("text/event-stream");

        using var response = await env.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body);
        var data = new List<string>();
        for (var i = 0; i < Events; i++)
        {
            var line = await NextDataAsync(reader);
            Assert.False(upstreamDone.Task.IsCompleted); // the upstream is still holding the stream open
            data.Add(line);
            seen[i].SetResult();
        }

        Assert.Equal("\n", await reader.ReadToEndAsync().WaitAsync(TestTimeouts.Default)); // the last event's blank line, then the end
        Assert.Equal(Enumerable.Range(0, Events).Select(i => $"data: {{\"generated_text\":\"token{i}\"}}"), data);
        Assert.Equal("Bearer tok-1", env.Upstream.Requests.Single().Header("Authorization"));
    }

    [Fact]
    public async Task ChunkedBody_EachChunkArrivesAsWritten()
    {
        var seen = NewSignals(Events);
        await using var env = await TestEnvironment.StartAsync(output, o => o.Upstream = async (context, _) =>
        {
            context.Response.ContentType = "application/octet-stream";
            for (var i = 0; i < Events; i++)
            {
                if (i > 0)
                {
                    await seen[i - 1].Task.WaitAsync(TestTimeouts.Default, context.RequestAborted);
                }

                await context.Response.Body.WriteAsync(new byte[] { (byte)('a' + i) }, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });

        using var response = await env.Client.GetAsync("/kms/export", HttpCompletionOption.ResponseHeadersRead);
        Assert.Null(response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = new StringBuilder();
        var buffer = new byte[16];
        for (var i = 0; i < Events; i++)
        {
            var read = await body.ReadAsync(buffer).AsTask().WaitAsync(TestTimeouts.Default);
            Assert.Equal(1, read);
            received.Append((char)buffer[0]);
            seen[i].SetResult();
        }

        Assert.Equal(0, await body.ReadAsync(buffer).AsTask().WaitAsync(TestTimeouts.Default));
        Assert.Equal("abcd", received.ToString());
    }

    [Fact]
    public async Task ServerSentEvents_OverHttp2_ArriveOneByOne()
    {
        var seen = NewSignals(2);
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.ProxyArgs.AddRange(["--Kestrel:Endpoints:h2c:Url", "http://127.0.0.1:0", "--Kestrel:Endpoints:h2c:Protocols", "Http2"]);
            o.Upstream = async (context, _) =>
            {
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync("data: one\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await seen[0].Task.WaitAsync(TestTimeouts.Default, context.RequestAborted);
                await context.Response.WriteAsync("data: two\n\n", context.RequestAborted);
            };
        });
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri(env.Proxy.Url),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TestTimeouts.Default,
        };

        using var response = await client.GetAsync("/kms/stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await NextDataAsync(reader);
        seen[0].SetResult();
        var second = await NextDataAsync(reader);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(["data: one", "data: two"], new[] { first, second });
    }

    private static TaskCompletionSource[] NewSignals(int count) =>
        [.. Enumerable.Range(0, count).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];

    /// <summary>The next <c>data:</c> line of an event stream.</summary>
    private static async Task<string> NextDataAsync(StreamReader reader)
    {
        while (true)
        {
            var line = await reader.ReadLineAsync().WaitAsync(TestTimeouts.Default)
                ?? throw new EndOfStreamException("the event stream ended early");
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                return line;
            }
        }
    }
}
