using AuthProxy.Http;
using AuthProxy.Telemetry;
using Microsoft.AspNetCore.Http.Features;

namespace AuthProxy.Proxy;

/// <summary>
/// The proxy-pipeline step that retries a request once after an upstream 401 (docs/tokens.md). YARP streams bodies and
/// cannot resend them, so a body that fits the route's retry buffer is read first, into a pooled buffer that grows as
/// bytes arrive, and replayed from memory; a larger one — or one the process-wide <see cref="RetryBufferBudget"/> has no
/// room for — is stitched back together and streams on unbuffered, without a retry. When the response transform has held
/// back a 401 and the response has not started, the forwarder runs once more.
/// </summary>
internal sealed partial class UpstreamRetryMiddleware(RequestDelegate next, AuthTokenRouteTable routes, TokenMetrics metrics,
    ILogger<UpstreamRetryMiddleware> logger, RetryBufferBudget? budget = null)
{
    /// <summary>First buffer for a body of unknown length; it doubles as bytes arrive.</summary>
    internal const int InitialBufferSize = 4 * 1024;

    /// <summary>Largest first buffer for a declared length: a slow client declaring a large body holds little until it sends.</summary>
    internal const int MaxInitialBufferSize = 64 * 1024;

    private readonly RetryBufferBudget _budget = budget ?? RetryBufferBudget.Shared;

    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        if (!routes.TryGet(proxy.Route.Config, out var route))
        {
            await next(context);
            return;
        }

        var state = new AuthTokenRequestState();
        context.Features.Set(state);
        if (route.RetryBodyLimit > 0 && GrpcWire.IsGrpcRequest(context.Request) &&
            context.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: false })
        {
            // A gRPC call streams from the first byte: a bidirectional call would wait forever for a buffer to fill.
            state.Recording = Record(context, route.RetryBodyLimit, _budget);
        }
        else if (route.RetryBodyLimit > 0)
        {
            try
            {
                state.Replayable = await TryMakeReplayableAsync(context, route.RetryBodyLimit, _budget);
            }
            catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
            {
                // A broken or abandoned request body: answer as YARP does for a client-side body error.
                BodyReadFailed(logger, proxy.Route.Config.RouteId, ex.GetType().Name);
                if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
                {
                    context.Response.StatusCode = ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
                }

                return;
            }
        }

        await next(context);
        if (state.RetryRequested && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            if (state.Recording is { } recording)
            {
                if (!recording.TryComplete())
                {
                    // Still streaming, or past the buffer: the upstream's own UNAUTHENTICATED goes to the client as it came.
                    GrpcCallNotReplayable(logger, proxy.Route.Config.RouteId, recording.Overflowed ? "larger than the retry buffer" : "not complete");
                    return;
                }

                context.Request.Body = recording.Replay();
            }

            var provider = state.Cache?.Name ?? route.Slot.Name;
            metrics.Retried(provider);
            RetryingAfterUnauthorized(logger, proxy.Route.Config.RouteId, provider);
            context.Response.Clear(); // also the upstream's trailers-only UNAUTHENTICATED: it must not reach the client
            if (context.Request.Body.CanSeek)
            {
                context.Request.Body.Position = 0;
            }

            await next(context); // one retry at most: the response transform requests none on a second attempt
        }
    }

    /// <summary>Makes the gRPC call's body keep its first bytes as they stream to the upstream (<see cref="RecordingRequestStream"/>).</summary>
    internal static RecordingRequestStream Record(HttpContext context, long limit, RetryBufferBudget budget)
    {
        var lease = new RetryBufferLease(budget);
        context.Response.RegisterForDispose(lease);
        var recording = new RecordingRequestStream(context.Request.Body, context.Request.BodyReader, lease, limit);
        context.Request.Body = recording;
        return recording;
    }

    /// <summary>
    /// Buffers the body when it fits <paramref name="limit"/> (with or without Content-Length) and the budget has room.
    /// The buffer starts small and doubles as bytes arrive; a full buffer of <paramref name="limit"/> bytes is followed by
    /// a one-byte read to decide. A body that does not fit is put back together and is not replayable.
    /// </summary>
    internal static async ValueTask<bool> TryMakeReplayableAsync(HttpContext context, long limit, RetryBufferBudget budget)
    {
        var request = context.Request;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return true;
        }

        var declared = request.ContentLength;
        if (declared > limit)
        {
            return false;
        }

        if (declared == 0)
        {
            request.Body = Stream.Null;
            return true;
        }

        var lease = new RetryBufferLease(budget);
        context.Response.RegisterForDispose(lease);
        var max = (int)Math.Min(limit, AuthTokenRoute.MaxRetryBodyLimit);
        var first = declared is { } length ? (int)Math.Min(length, MaxInitialBufferSize) : InitialBufferSize;
        if (!lease.TryGrow(Math.Min(first, max), keep: 0))
        {
            return false; // no room in the budget: stream as is
        }

        var original = request.Body;
        var count = 0;
        while (true)
        {
            var buffer = lease.Buffer;
            if (count == Math.Min(buffer.Length, max))
            {
                if (count == max)
                {
                    break;
                }

                if (!lease.TryGrow((int)Math.Min(2L * buffer.Length, max), keep: count))
                {
                    request.Body = new PrefixedStream(lease.Buffer.AsMemory(0, count), original);
                    return false;
                }

                continue;
            }

            var read = await original.ReadAsync(buffer.AsMemory(count, Math.Min(buffer.Length, max) - count), context.RequestAborted);
            if (read == 0)
            {
                request.Body = new MemoryStream(buffer, 0, count, writable: false);
                return true;
            }

            count += read;
        }

        // Exactly the limit so far: one more byte decides (rare, so a small allocation is fine here).
        var probe = new byte[1];
        if (await original.ReadAsync(probe, context.RequestAborted) == 0)
        {
            request.Body = new MemoryStream(lease.Buffer, 0, count, writable: false);
            return true;
        }

        request.Body = new PrefixedStream(lease.Buffer.AsMemory(0, count), new PrefixedStream(probe, original));
        return false;
    }

    [LoggerMessage(2001, LogLevel.Debug, "Route '{RouteId}': the request body could not be read ({ExceptionType}); not forwarded.")]
    private static partial void BodyReadFailed(ILogger logger, string routeId, string exceptionType);

    [LoggerMessage(2002, LogLevel.Debug, "Route '{RouteId}': upstream answered UNAUTHENTICATED; the gRPC call is {Why}, so it is not retried.")]
    private static partial void GrpcCallNotReplayable(ILogger logger, string routeId, string why);

    [LoggerMessage(2000, LogLevel.Debug, "Route '{RouteId}': upstream answered 401; retrying once with a new credential from provider '{Provider}'.")]
    private static partial void RetryingAfterUnauthorized(ILogger logger, string routeId, string provider);
}
