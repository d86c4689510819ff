using System.Diagnostics;
using System.Globalization;
using System.Net;
using AuthProxy.Sandbox.Grep11.Protocol;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// ProtocolBench server --grpc-port P --sse-port Q   the upstream: GenerateRandom over h2c, GET /stream (SSE) over HTTP/1.1
// ProtocolBench grpc-body FILE                      writes the length-prefixed GenerateRandomRequest h2load sends
// ProtocolBench check URL                           one GenerateRandom call through URL with Grpc.Net.Client: OK or not
// ProtocolBench ttfe URL N                          N sequential SSE requests: time to the first event (ms), as JSON
return args switch
{
    ["server", "--grpc-port", var grpcPort, "--sse-port", var ssePort] => await ServeAsync(int.Parse(grpcPort, CultureInfo.InvariantCulture), int.Parse(ssePort, CultureInfo.InvariantCulture)),
    ["grpc-body", var file] => WriteBody(file),
    ["check", var url] => await CheckAsync(url),
    ["ttfe", var url, var n] => await TimeToFirstEventAsync(url, int.Parse(n, CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ProtocolBench server --grpc-port P --sse-port Q | grpc-body FILE | check URL | ttfe URL N");
    return 2;
}

static async Task<int> ServeAsync(int grpcPort, int ssePort)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.Services.AddGrpc();
    builder.WebHost.ConfigureKestrel(k =>
    {
        k.Listen(IPAddress.Loopback, grpcPort, l => l.Protocols = HttpProtocols.Http2);
        k.Listen(IPAddress.Loopback, ssePort, l => l.Protocols = HttpProtocols.Http1);
    });
    var app = builder.Build();
    app.MapGrpcService<RandomService>();
    app.MapGet("/healthz", () => "ok");
    // Server-sent events: the first event at once, then two more 20 ms apart, as a model streaming tokens.
    app.MapGet("/stream", async context =>
    {
        context.Response.ContentType = "text/event-stream";
        for (var i = 0; i < 3; i++)
        {
            if (i > 0)
            {
                await Task.Delay(20, context.RequestAborted);
            }

            await context.Response.WriteAsync($"id: {i + 1}\nevent: message\ndata: {{\"generated_text\":\"token{i}\"}}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    });
    Console.WriteLine($"ProtocolBench: gRPC h2c on {grpcPort}, SSE on {ssePort}");
    await app.RunAsync();
    return 0;
}

static int WriteBody(string file)
{
    var message = new GenerateRandomRequest { Len = 16 }.ToByteArray();
    var framed = new byte[5 + message.Length];
    framed[4] = (byte)message.Length; // not compressed; the length fits one byte
    message.CopyTo(framed, 5);
    File.WriteAllBytes(file, framed);
    return 0;
}

static async Task<int> CheckAsync(string url)
{
    using var channel = GrpcChannel.ForAddress(url);
    // A token of its own for the direct call; the proxies replace it with theirs.
    var reply = await new Crypto.CryptoClient(channel).GenerateRandomAsync(new GenerateRandomRequest { Len = 16 },
        new Metadata { { "authorization", "Bearer direct-check" } }, DateTime.UtcNow.AddSeconds(10));
    Console.WriteLine(reply.Rnd.Length == 16 ? "OK" : "BAD");
    return reply.Rnd.Length == 16 ? 0 : 1;
}

static async Task<int> TimeToFirstEventAsync(string url, int n)
{
    using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
    var times = new List<double>(n);
    for (var i = 0; i < n + 10; i++)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null && !line.StartsWith("data:", StringComparison.Ordinal))
        {
        }

        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        await reader.ReadToEndAsync();
        if (i >= 10)
        {
            times.Add(elapsed); // the first 10 warm the connection and the JIT
        }
    }

    times.Sort();
    string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
    Console.WriteLine($"{{\"n\":{n},\"p50_ms\":{F(times[n / 2])},\"p90_ms\":{F(times[(int)(n * 0.9)])},\"min_ms\":{F(times[0])}}}");
    return 0;
}

internal sealed class RandomService : Crypto.CryptoBase
{
    private static readonly ByteString Bytes = ByteString.CopyFrom(new byte[16]);

    public override Task<GenerateRandomResponse> GenerateRandom(GenerateRandomRequest request, ServerCallContext context) =>
        context.RequestHeaders.GetValue("authorization") is { Length: > 0 }
            ? Task.FromResult(new GenerateRandomResponse { Rnd = Bytes })
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "no token"));
}
