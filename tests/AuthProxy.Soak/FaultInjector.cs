using System.Collections.Concurrent;
using System.Text;

namespace AuthProxy.Soak;

/// <summary>An IdP fault the soak injected.</summary>
internal sealed record InjectedFault(ProviderSpec Provider, string Path, FaultKind Kind, DateTimeOffset At);

/// <summary>
/// The emulators' <c>BeforeToken</c> hook: fails a share of token requests with a 500, a hang past the provider
/// Timeout (released when the proxy gives up), or a 429 with <c>Retry-After: 1</c>, in equal parts.
/// </summary>
internal sealed class FaultInjector(double rate, int seed)
{
    private static readonly TimeSpan MaxHang = TimeSpan.FromSeconds(30);
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();

    /// <summary>Whether faults are injected right now (off during warm-up checks and the barrage).</summary>
    public volatile bool Enabled;

    public ConcurrentQueue<InjectedFault> Injected { get; } = new();

    public async Task<bool> BeforeTokenAsync(HttpContext context)
    {
        if (!Enabled || Observatory.CallOf(context) is not { } call)
        {
            return false;
        }

        FaultKind kind;
        lock (_gate)
        {
            if (_random.NextDouble() >= rate)
            {
                return false;
            }

            kind = (FaultKind)_random.Next(3);
        }

        call.Injected = kind;
        Injected.Enqueue(new InjectedFault(call.Provider, call.Path, kind, DateTimeOffset.UtcNow));
        switch (kind)
        {
            case FaultKind.ServerError:
                await WriteAsync(context, StatusCodes.Status500InternalServerError, """{"errorCode":"SOAK0500E","errorMessage":"injected failure"}""");
                break;
            case FaultKind.TooManyRequests:
                context.Response.Headers.RetryAfter = "1";
                await WriteAsync(context, StatusCodes.Status429TooManyRequests, """{"errorCode":"SOAK0429E","errorMessage":"injected rate limit"}""");
                break;
            default:
                try
                {
                    // Bounded: the proxy's Timeout (1 s in the soak) ends it long before.
                    await Task.Delay(MaxHang, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                break;
        }

        return true;
    }

    private static async Task WriteAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }
}
