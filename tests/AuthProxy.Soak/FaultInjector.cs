using System.Collections.Concurrent;
using System.Text;

namespace AuthProxy.Soak;

/// <summary>An IdP fault the soak injected.</summary>
internal sealed record InjectedFault(ProviderSpec Provider, string Path, FaultKind Kind, DateTimeOffset At, int? Replica = null);

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

    private TaskCompletionSource<TokenCall>? _hold;
    private int _holdReplica = -1;

    public ConcurrentQueue<InjectedFault> Injected { get; } = new();

    /// <summary>
    /// Holds the next token request from replica <paramref name="replica"/> (the IdP takes it and does not answer) and
    /// completes with it, so the replica can be killed while its fetch is in flight. The hold ends when the connection does.
    /// </summary>
    public Task<TokenCall> HoldNextFrom(int replica)
    {
        var hold = new TaskCompletionSource<TokenCall>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _hold = hold;
            _holdReplica = replica;
        }

        return hold.Task;
    }

    /// <summary>Stops holding (no request from the replica came in time).</summary>
    public void CancelHold()
    {
        lock (_gate)
        {
            _hold?.TrySetCanceled();
            _hold = null;
        }
    }

    public async Task<bool> BeforeTokenAsync(HttpContext context)
    {
        if (Observatory.CallOf(context) is not { } call)
        {
            return false;
        }

        TaskCompletionSource<TokenCall>? hold = null;
        lock (_gate)
        {
            if (_hold is not null && call.Replica == _holdReplica)
            {
                (hold, _hold) = (_hold, null);
            }
        }

        if (hold is not null)
        {
            call.Held = true;
            hold.TrySetResult(call);
            await HangAsync(context);
            return true;
        }

        if (!Enabled)
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
        Injected.Enqueue(new InjectedFault(call.Provider, call.Path, kind, DateTimeOffset.UtcNow, call.Replica));
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
                await HangAsync(context);
                break;
        }

        return true;
    }

    /// <summary>Bounded: the proxy's Timeout (1 s in the soak), or its death, ends it long before.</summary>
    private static async Task HangAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(MaxHang, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
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
