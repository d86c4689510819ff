using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using AuthProxy.Tests.Grpc.Protocol;
using AuthProxy.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AuthProxy.Tests.Grpc;

/// <summary>
/// A real gRPC server (Grpc.AspNetCore on Kestrel, 127.0.0.1:0) serving <c>authproxy.tests.Echo</c>: over h2c, or over
/// TLS with ALPN when given a certificate. It records the <c>authorization</c> metadata of every call and lets a test
/// refuse calls (<see cref="Refuse"/>) and pace streams (<see cref="BeforeReply"/>).
/// </summary>
public sealed class GrpcUpstream : IAsyncDisposable
{
    private WebApplication? _app;

    private GrpcUpstream()
    {
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:41234</c> (or <c>https://…</c>).</summary>
    public string Url { get; private set; } = "";

    /// <summary>The <c>authorization</c> metadata of each call, in arrival order ("" when absent).</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

    /// <summary>Every call's metadata (lower-case names), in arrival order.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Headers { get; } = new();

    public int Calls => Authorizations.Count;

    /// <summary>Decides per call, before any message: a status to fail it with (trailers-only), or null to serve it.</summary>
    public Func<ServerCallContext, Status?>? Refuse { get; set; }

    /// <summary>Called for each request message a client- or duplex-streaming call receives, with its index.</summary>
    public Action<int, EchoRequest>? OnMessage { get; set; }

    /// <summary>Awaited before each reply of a server or duplex stream, with the reply's index.</summary>
    public Func<int, CancellationToken, Task>? BeforeReply { get; set; }

    public static async Task<GrpcUpstream> StartAsync(X509Certificate2? certificate = null)
    {
        var upstream = new GrpcUpstream();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(upstream);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 64 * 1024 * 1024;
            o.EnableDetailedErrors = true;
        });
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is null)
            {
                listen.Protocols = HttpProtocols.Http2;
            }
            else
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        upstream._app = app;
        app.MapGrpcService<EchoService>();
        app.MapGrpcService<Grep11Service>();
        await app.StartAsync();
        upstream.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null)
        {
            return;
        }

        using var cts = TestTimeouts.Cts();
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }

    internal void Record(ServerCallContext context)
    {
        var headers = context.RequestHeaders.Where(h => !h.IsBinary).GroupBy(h => h.Key)
            .ToDictionary(g => g.Key, g => string.Join(",", g.Select(h => h.Value)), StringComparer.Ordinal);
        Headers.Enqueue(headers);
        Authorizations.Enqueue(headers.GetValueOrDefault("authorization", ""));
        if (Refuse?.Invoke(context) is { } status)
        {
            throw new RpcException(status);
        }
    }

    internal Task PaceAsync(int index, CancellationToken cancellationToken) =>
        BeforeReply?.Invoke(index, cancellationToken) ?? Task.CompletedTask;
}
