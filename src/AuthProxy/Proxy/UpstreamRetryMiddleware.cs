using AuthProxy.Telemetry;
using Microsoft.AspNetCore.Http.Features;

namespace AuthProxy.Proxy;

/// <summary>
/// The proxy-pipeline step that retries a request once after an upstream 401 (CONTRACT §3.4). YARP streams
/// bodies and cannot resend them, so a body that fits the route's retry buffer is read first and replayed from
/// memory; a larger one is stitched back together and streams on unbuffered, without a retry. When the response
/// transform has held back a 401 and the response has not started, the forwarder runs once more.
/// </summary>
internal sealed partial class UpstreamRetryMiddleware(RequestDelegate next, AuthTokenRouteTable routes, TokenMetrics metrics,
    ILogger<UpstreamRetryMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        if (!routes.TryGet(proxy.Route.Config, out var route) || route.RetryBodyLimit <= 0)
        {
            await next(context);
            return;
        }

        bool replayable;
        try
        {
            replayable = await TryMakeReplayableAsync(context, route.RetryBodyLimit);
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

        if (!replayable)
        {
            await next(context);
            return;
        }

        context.Features.Set(UpstreamRetryFeature.Armed);
        await next(context);

        var requested = context.Features.Get<UpstreamRetryFeature>() == UpstreamRetryFeature.Requested;
        context.Features.Set<UpstreamRetryFeature>(null); // one retry at most: a second 401 goes to the client
        if (!requested || context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        metrics.Retried(route.Slot.Name);
        RetryingAfterUnauthorized(logger, proxy.Route.Config.RouteId, route.Slot.Name);
        context.Response.Clear();
        if (context.Request.Body.CanSeek)
        {
            context.Request.Body.Position = 0;
        }

        await next(context);
    }

    /// <summary>
    /// Buffers the body when it fits <paramref name="limit"/> (with or without Content-Length). Reads at most
    /// limit + 1 bytes to decide; a larger body is put back together and is not replayable.
    /// </summary>
    private static async ValueTask<bool> TryMakeReplayableAsync(HttpContext context, long limit)
    {
        var request = context.Request;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return true;
        }

        if (request.ContentLength is { } declared && declared > limit)
        {
            return false;
        }

        var capacity = (int)Math.Min(request.ContentLength ?? limit + 1, limit + 1);
        var buffer = new byte[capacity == 0 ? 1 : capacity];
        var original = request.Body;
        var count = 0;
        int read;
        while (count < buffer.Length && (read = await original.ReadAsync(buffer.AsMemory(count), context.RequestAborted)) > 0)
        {
            count += read;
        }

        if (count > limit)
        {
            request.Body = new PrefixedStream(buffer.AsMemory(0, count), original);
            return false;
        }

        request.Body = new MemoryStream(buffer, 0, count, writable: false);
        return true;
    }

    [LoggerMessage(2001, LogLevel.Debug, "Route '{RouteId}': the request body could not be read ({ExceptionType}); not forwarded.")]
    private static partial void BodyReadFailed(ILogger logger, string routeId, string exceptionType);

    [LoggerMessage(2000, LogLevel.Debug, "Route '{RouteId}': upstream answered 401; retrying once with a new credential from provider '{Provider}'.")]
    private static partial void RetryingAfterUnauthorized(ILogger logger, string routeId, string provider);
}
