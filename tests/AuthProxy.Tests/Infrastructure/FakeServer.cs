using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AuthProxy.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server on 127.0.0.1:0 whose every request is handled by a delegate and recorded
/// (method, path, query, headers, body). Used as fake token endpoints and fake upstreams.
/// </summary>
public sealed class FakeServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile Func<HttpContext, RecordedRequest, Task> _handler;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private TaskCompletionSource<RecordedRequest> _next = NewSignal();

    private FakeServer(WebApplication app, Func<HttpContext, RecordedRequest, Task> handler)
    {
        _app = app;
        _handler = handler;
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; private set; } = "";

    public IReadOnlyCollection<RecordedRequest> Requests => _requests;

    public int RequestCount => _requests.Count;

    /// <summary>The handler; a test may replace it to change how later requests are answered.</summary>
    public Func<HttpContext, RecordedRequest, Task> Handler
    {
        get => _handler;
        set => _handler = value;
    }

    /// <summary>Starts a server; without a <paramref name="handler"/> it answers 200 with an empty body.</summary>
    public static async Task<FakeServer> StartAsync(Func<HttpContext, RecordedRequest, Task>? handler = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(System.Net.IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var server = new FakeServer(app, handler ?? (static (_, _) => Task.CompletedTask));

        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var recorded = new RecordedRequest(
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body.ToArray());
            server._requests.Enqueue(recorded);
            Interlocked.Exchange(ref server._next, NewSignal()).TrySetResult(recorded);
            await server._handler(context, recorded);
        });
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Completes with the next request to arrive.</summary>
    public Task<RecordedRequest> NextRequestAsync() => Volatile.Read(ref _next).Task.WaitAsync(TestTimeouts.Default);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TestTimeouts.Cts().Token);
        await _app.DisposeAsync();
    }

    private static TaskCompletionSource<RecordedRequest> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>What a fake server received.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>The body parsed as an HTML form.</summary>
    public IReadOnlyDictionary<string, string> Form =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(BodyText).ToDictionary(p => p.Key, p => p.Value.ToString());
}

/// <summary>Bounds for every await in tests.</summary>
public static class TestTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static CancellationTokenSource Cts() => new(Default);
}
