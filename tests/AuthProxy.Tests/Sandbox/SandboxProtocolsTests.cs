using System.Net;
using System.Text;
using AuthProxy.Sandbox.Grep11;
using AuthProxy.Sandbox.Grep11.Protocol;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Iam;
using AuthProxy.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace AuthProxy.Tests.Sandbox;

/// <summary>
/// The shipped sandbox configuration in front of the emulators, as <c>dotnet run --project src/AuthProxy.Sandbox</c> runs
/// it (an h2c listener beside the HTTP/1.1 one): the GREP11 gRPC route, token revocation, and watsonx's SSE stream.
/// </summary>
public sealed class SandboxProtocolsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private SandboxEmulators _sandbox = null!;
    private ProxyHost _proxy = null!;

    private string GrpcUrl => _proxy.Urls.First(u => u.Contains("127.0.0.1", StringComparison.Ordinal));

    private string HttpUrl => _proxy.Urls.First(u => u.Contains("127.0.0.2", StringComparison.Ordinal));

    public async Task InitializeAsync()
    {
        using var cts = TestTimeouts.Cts();
        _sandbox = await SandboxEmulators.StartAsync(SandboxEmulatorsOptions.Ephemeral(), cts.Token);
        var config = (await File.ReadAllTextAsync(ConfigFiles.Path("authproxy.json"), cts.Token))
            .Replace($"http://127.0.0.1:{SandboxDefaults.IamPort}", _sandbox.Iam.Url, StringComparison.Ordinal)
            .Replace($"http://127.0.0.1:{SandboxDefaults.CloudPakPort}", _sandbox.CloudPak.Url, StringComparison.Ordinal)
            .Replace($"http://127.0.0.1:{SandboxDefaults.Grep11Port}", _sandbox.Grep11.Url, StringComparison.Ordinal);
        _proxy = await ProxyHost.StartAsync(config, output, extraArgs:
        [
            "--Kestrel:Endpoints:SandboxGrpc:Url", "http://127.0.0.1:0", "--Kestrel:Endpoints:SandboxGrpc:Protocols", "Http2",
            "--Kestrel:Endpoints:SandboxHttp0:Url", "http://127.0.0.2:0",
        ]);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _sandbox.DisposeAsync();
    }

    [Fact]
    public async Task Grep11_ThroughTheProxy_UnaryAndStream_AndARevokedTokenIsReplaced()
    {
        using var channel = GrpcChannel.ForAddress(GrpcUrl);
        var client = new Crypto.CryptoClient(channel);
        var deadline = new CallOptions(deadline: DateTime.UtcNow + TestTimeouts.Default);

        var first = await client.GenerateRandomAsync(new GenerateRandomRequest { Len = 16 }, deadline);
        using (var stream = client.GenerateRandomStream(new GenerateRandomStreamRequest { Len = 8, Count = 3 }, deadline))
        {
            Assert.Equal(3, (await stream.ResponseStream.ReadAllAsync().ToListAsync()).Count);
        }

        _sandbox.Iam.RevokeAll(); // GREP11 now answers UNAUTHENTICATED to the cached token
        var afterRevocation = await client.GenerateRandomAsync(new GenerateRandomRequest { Len = 16 }, deadline);

        Assert.Equal(16, first.Rnd.Length);
        Assert.Equal(16, afterRevocation.Rnd.Length);
        Assert.Equal(2, _sandbox.Iam.Counters.TokensIssued);
        Assert.Equal(1, _sandbox.Grep11.Counters.Rejections(AuthProxy.Sandbox.Tokens.RejectionReason.Revoked));
        Assert.Equal(4, _sandbox.Grep11.Counters.ApiRequests);
    }

    [Fact]
    public async Task GrpcCallCommand_PrintsTheRepliesAndTheStatus()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await GrpcCallCommand.RunAsync([GrpcUrl, "GenerateRandomStream", "--len", "4", "--count", "2"], stdout, stderr);

        Assert.Equal(0, exit);
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"grep11.Crypto/GenerateRandomStream via {GrpcUrl}", lines[0]);
        Assert.Equal(2, lines.Count(l => l.Contains("\"Rnd\"", StringComparison.Ordinal)));
        Assert.Equal("Status: OK", lines[^1]);
    }

    [Fact]
    public async Task GrpcCallCommand_ReportsTheGrpcStatusOfAFailure()
    {
        _sandbox.Iam.BeforeToken = async context =>
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync("down");
            return true;
        };
        using var stdout = new StringWriter();

        var exit = await GrpcCallCommand.RunAsync([GrpcUrl], stdout, TextWriter.Null);

        Assert.Equal(1, exit);
        Assert.Contains("Status: Unavailable (14): No credential could be obtained from token provider 'kp'", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatsonxGenerationStream_ThroughTheProxy_IsOneEventPerToken()
    {
        using var client = new HttpClient { BaseAddress = new Uri(HttpUrl), Timeout = TestTimeouts.Default };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/watsonx/ml/v1/text/generation_stream?version=2024-05-01")
        {
            Content = new StringContent("""{"model_id":"ibm/granite-13b-instruct-v2","input":"Hello from the sandbox"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("text/event-stream");

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, events.Length); // "Sandbox says: Hello from the sandbox"
        Assert.StartsWith("id: 1\nevent: message\ndata: {", events[0], StringComparison.Ordinal);
        Assert.Contains("\"stop_reason\":\"eos_token\"", events[^1], StringComparison.Ordinal);
        Assert.Contains("\"generated_text\":\" sandbox\"", events[^1], StringComparison.Ordinal);
    }
}
