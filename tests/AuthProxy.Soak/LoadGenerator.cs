using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace AuthProxy.Soak;

/// <summary>How a client request ended.</summary>
internal enum ClientOutcome
{
    /// <summary>An HTTP answer arrived.</summary>
    Answered,

    /// <summary>The client cancelled it on purpose (client chaos).</summary>
    Cancelled,

    /// <summary>The client aborted its own request body on purpose (client chaos).</summary>
    BodyAborted,

    /// <summary>The connection failed without an answer.</summary>
    TransportError,

    /// <summary>No answer within <see cref="SoakTimes.ClientTimeout"/>: a hang.</summary>
    TimedOut,
}

/// <summary>One request of the load and what came back.</summary>
internal sealed class ClientResult
{
    public required long Id { get; init; }

    public required Operation Operation { get; init; }

    public required DateTimeOffset Start { get; init; }

    /// <summary>The replica the client sends to.</summary>
    public int Replica { get; init; }

    public DateTimeOffset End { get; set; }

    public ClientOutcome Outcome { get; set; }

    public int Status { get; set; }

    public string? ProblemTitle { get; set; }

    public string? ProblemProvider { get; set; }

    public string? ProblemDetail { get; set; }

    public string? Error { get; set; }

    public TimeSpan Latency => End - Start;
}

/// <summary>
/// N clients, each sending the operations of <see cref="SoakTopology.Operations"/> back to back over keep-alive
/// connections until the deadline, every request tagged with a unique <c>x-soak-id</c> the emulators record. With client
/// chaos on, some requests are cancelled after a few milliseconds and some POST bodies are aborted half-way. With a fleet,
/// client i sends to replica i mod N (as a load balancer with sticky connections would) and tags its requests with
/// <see cref="Observatory.ReplicaHeader"/>.
/// </summary>
internal sealed class LoadGenerator(IReadOnlyList<string> proxyUrls, string clientKey, SoakOptions options, DateTimeOffset t0)
{
    private const double CancelRate = 0.03;
    private const double BodyAbortRate = 0.05;
    private const int MaxKeptProblemBodies = 2000;
    private long _nextId;

    public ConcurrentQueue<ClientResult> Results { get; } = new();

    /// <summary>Problem bodies the proxy wrote, kept for the secret scan.</summary>
    public ConcurrentQueue<string> ProblemBodies { get; } = new();

    public async Task RunAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            MaxConnectionsPerServer = options.Clients * 2,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        };
        var https = proxyUrls.Select(url => new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan, BaseAddress = new Uri(url) }).ToList();
        try
        {
            var clients = Enumerable.Range(0, options.Clients).Select(i => RunClientAsync(https[i % https.Count], i % https.Count, i, deadline, cancellationToken)).ToArray();
            await Task.WhenAll(clients);
        }
        finally
        {
            https.ForEach(h => h.Dispose());
        }
    }

    private async Task RunClientAsync(HttpClient http, int replica, int index, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var random = new Random(HashCode.Combine(options.Seed, index));
        var operations = SoakTopology.Operations;
        var next = index % operations.Length;
        while (DateTimeOffset.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            var operation = operations[next];
            next = (next + 1 + random.Next(2)) % operations.Length;
            if (options.Faults.HasFlag(Faults.SklmIdle) && SoakTopology.Route(operation.Route).Sklm &&
                SoakTimes.InSklmQuiet(DateTimeOffset.UtcNow - t0))
            {
                continue; // let the SKLM session ids sit idle until they die
            }

            var chaos = options.Faults.HasFlag(Faults.ClientAborts) ? random.NextDouble() : 1.0;
            var cancelAfter = chaos < CancelRate ? TimeSpan.FromMilliseconds(1 + random.Next(25)) : (TimeSpan?)null;
            var abortBody = cancelAfter is null && operation.Body is not null && chaos < CancelRate + BodyAbortRate;
            if (await SendAsync(http, replica, operation, cancelAfter, abortBody, cancellationToken) == ClientOutcome.TransportError)
            {
                // A replica that is down refuses connections at once: retry at a client's pace, not in a hot loop.
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private async Task<ClientOutcome?> SendAsync(HttpClient http, int replica, Operation operation, TimeSpan? cancelAfter, bool abortBody, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var result = new ClientResult { Id = id, Operation = operation, Start = DateTimeOffset.UtcNow, Replica = replica };
        using var request = new HttpRequestMessage(operation.Method, operation.PathAndQuery);
        request.Headers.TryAddWithoutValidation("X-API-Key", clientKey);
        request.Headers.TryAddWithoutValidation(Observatory.SoakIdHeader, id.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(Observatory.ReplicaHeader, replica.ToString(CultureInfo.InvariantCulture));
        if (operation.Body is not null)
        {
            request.Content = abortBody ? new AbortingContent(operation.Body) : new StringContent(operation.Body, Encoding.UTF8, "application/json");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(cancelAfter ?? SoakTimes.ClientTimeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            result.Status = (int)response.StatusCode;
            result.Outcome = ClientOutcome.Answered;
            if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            {
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                ReadProblem(result, body);
                if (ProblemBodies.Count < MaxKeptProblemBodies)
                {
                    ProblemBodies.Enqueue(body);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result.Outcome = cancelAfter is not null ? ClientOutcome.Cancelled : ClientOutcome.TimedOut;
        }
        catch (HttpRequestException ex) when (abortBody)
        {
            result.Outcome = ClientOutcome.BodyAborted;
            result.Error = ex.Message;
        }
        catch (HttpRequestException ex)
        {
            result.Outcome = ClientOutcome.TransportError;
            result.Error = ex.HttpRequestError + ": " + ex.Message;
        }
        catch (OperationCanceledException)
        {
            return null; // the soak itself is stopping
        }

        result.End = DateTimeOffset.UtcNow;
        Results.Enqueue(result);
        return result.Outcome;
    }

    private static void ReadProblem(ClientResult result, string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            result.ProblemTitle = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            result.ProblemDetail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            result.ProblemProvider = root.TryGetProperty("provider", out var p) ? p.GetString() : null;
        }
        catch (JsonException)
        {
            result.ProblemTitle = "(unreadable problem body)";
        }
    }

    /// <summary>A chunked JSON body that stops half-way with an error, as a client that crashes mid-upload.</summary>
    private sealed class AbortingContent(string body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await stream.FlushAsync();
            await Task.Delay(5);
            throw new IOException("soak: request body aborted on purpose");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>Percentile of answered latencies, in milliseconds.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
