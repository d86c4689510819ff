using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Fleet;

/// <summary>
/// Replicas of the proxy as separate processes (<c>dotnet AuthProxy.dll</c> from this build), each on its own loopback port
/// with its own copy of one configuration file and an <c>x-replica</c> header on its route, so an upstream can tell who
/// sent what. Stopped (killed) by PID on dispose.
/// </summary>
internal sealed class ProxyFleet : IAsyncDisposable
{
    private readonly List<Replica> _replicas = [];
    private readonly TempDirectory _files = new();

    private ProxyFleet()
    {
    }

    public IReadOnlyList<Replica> Replicas => _replicas;

    public Replica this[int index] => _replicas[index];

    /// <summary>Starts <paramref name="count"/> replicas with <paramref name="configJson"/> and waits until each is ready (and, with a shared cache, connected to Redis).</summary>
    /// <param name="count">How many replicas.</param>
    /// <param name="configJson">The configuration; the first route gets the <c>x-replica</c> header (at transform index <paramref name="headerTransformIndex"/>).</param>
    /// <param name="output">Where the replicas' output goes.</param>
    /// <param name="headerTransformIndex">The index after the route's last transform.</param>
    /// <param name="route">The route that carries the header.</param>
    public static async Task<ProxyFleet> StartAsync(int count, string configJson, ITestOutputHelper output, int headerTransformIndex = 3, string route = "kms")
    {
        var fleet = new ProxyFleet();
        try
        {
            var starts = new List<Task<Replica>>();
            for (var i = 0; i < count; i++)
            {
                var name = $"r{i + 1}";
                var config = fleet._files.Write($"{name}.json", configJson);
                var environment = new Dictionary<string, string?>
                {
                    [$"ReverseProxy__Routes__{route}__Transforms__{headerTransformIndex}__RequestHeader"] = "x-replica",
                    [$"ReverseProxy__Routes__{route}__Transforms__{headerTransformIndex}__Set"] = name,
                    ["Logging__LogLevel__AuthProxy"] = "Debug",
                    ["Logging__Console__FormatterName"] = "simple",
                    ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
                    ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
                };
                starts.Add(Replica.StartAsync(name, config, environment, output));
            }

            foreach (var start in starts)
            {
                fleet._replicas.Add(await start);
            }

            // Start-up never waits for Redis: a replica sent a request before it connected would fetch its own token,
            // and a test of the sharing would measure that race instead.
            foreach (var replica in fleet._replicas)
            {
                var connected = await Eventually.TrueAsync(async () =>
                    await replica.TokenCacheStatusAsync() is not { ValueKind: JsonValueKind.Object } cache || cache.GetProperty("state").GetString() == "connected");
                if (!connected)
                {
                    throw new InvalidOperationException($"replica {replica.Name} did not connect to Redis");
                }
            }
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }

        return fleet;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        _files.Dispose();
    }

    /// <summary>One proxy process.</summary>
    internal sealed class Replica : IAsyncDisposable
    {
        private Replica(string name, string url, ProxyProcess process, HttpClient client)
        {
            Name = name;
            Url = url;
            Process = process;
            Client = client;
        }

        public string Name { get; }

        public string Url { get; }

        public ProxyProcess Process { get; }

        public HttpClient Client { get; }

        public static async Task<Replica> StartAsync(string name, string config, IReadOnlyDictionary<string, string?> environment, ITestOutputHelper output)
        {
            var url = $"http://127.0.0.1:{FreePort()}";
            var process = ProxyProcess.Start(ProxyProcess.DotnetHost,
                [Path.Combine(AppContext.BaseDirectory, "AuthProxy.dll"), "--config", config, "--urls", url], environment, output: new Prefixed(output, name));
            var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
            {
                BaseAddress = new Uri(url),
                Timeout = TestTimeouts.Default,
            };
            var replica = new Replica(name, url, process, client);
            var ready = await Eventually.TrueAsync(async () =>
            {
                if (process.HasExited)
                {
                    return true;
                }

                try
                {
                    using var response = await client.GetAsync("/readyz");
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60));
            if (!ready || process.HasExited)
            {
                await replica.DisposeAsync();
                throw new InvalidOperationException($"replica {name} did not become ready:{Environment.NewLine}{process.StandardOutput}{process.StandardError}");
            }

            return replica;
        }

        /// <summary>The <c>/_authproxy/status</c> document.</summary>
        public async Task<JsonDocument> StatusAsync() => JsonDocument.Parse(await Client.GetStringAsync("/_authproxy/status"));

        /// <summary>The provider's state in the status document (<c>fetching</c>, <c>valid</c>, …).</summary>
        public async Task<string?> ProviderStateAsync(string provider = "kp")
        {
            using var status = await StatusAsync();
            return status.RootElement.GetProperty("providers").TryGetProperty(provider, out var p) ? p.GetProperty("state").GetString() : null;
        }

        /// <summary>The <c>tokenCache</c> object of the status document, cloned.</summary>
        public async Task<JsonElement> TokenCacheStatusAsync()
        {
            using var status = await StatusAsync();
            return status.RootElement.GetProperty("tokenCache").Clone();
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Process.DisposeAsync();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    /// <summary>Writes a replica's output lines to the test output, each prefixed with the replica's name.</summary>
    private sealed class Prefixed(ITestOutputHelper inner, string name) : ITestOutputHelper
    {
        public void WriteLine(string message) => inner.WriteLine($"[{name}] {message}");

        public void WriteLine(string format, params object[] args) => inner.WriteLine($"[{name}] " + format, args);
    }
}

/// <summary>
/// A fake IAM token endpoint for fleet tests: every request gets a fresh token <c>fleet-N</c> (or <c>{prefix}-N</c> per API
/// key), valid for <see cref="ExpiresIn"/> seconds; requests can be held at a gate, and each one's arrival time is kept.
/// </summary>
internal sealed class FleetIdp
{
    private readonly ConcurrentQueue<DateTimeOffset> _arrivals = new();
    private int _issued;
    private volatile TaskCompletionSource? _gate;

    public int ExpiresIn { get; set; } = 3600;

    public int Requests => _arrivals.Count;

    public IReadOnlyList<DateTimeOffset> Arrivals => [.. _arrivals];

    /// <summary>Holds every token request until <see cref="Release"/>.</summary>
    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate?.TrySetResult();

    public Func<HttpContext, RecordedRequest, Task> Handler => async (context, request) =>
    {
        _arrivals.Enqueue(DateTimeOffset.UtcNow);
        if (_gate is { } gate)
        {
            await gate.Task.WaitAsync(TestTimeouts.Default);
        }

        var n = Interlocked.Increment(ref _issued);
        var key = request.Form.TryGetValue("apikey", out var apikey) ? apikey : "none";
        await FakeIam.Json(context, 200, FakeIam.TokenReply($"fleet-{Prefix(key)}-{n}", ExpiresIn));
    };

    /// <summary>Which credential a token was issued for, without the credential: its first four characters.</summary>
    public static string Prefix(string apiKey) => apiKey.Length >= 4 ? apiKey[..4] : apiKey;
}
