using AuthProxy.Http;
using Yarp.ReverseProxy.Forwarder;

namespace AuthProxy.Proxy;

/// <summary>
/// When YARP could not forward a gRPC call (the destination refused the connection, failed or reset it before answering),
/// it sets a bare 502 or 504, which a gRPC client can only report as "Bad gRPC response. HTTP status code: 502". The
/// proxy answered the call itself, so it answers as gRPC does (docs/protocols.md): <c>UNAVAILABLE</c> naming the route and
/// the error. Other requests keep YARP's answer.
/// </summary>
internal sealed class GrpcForwarderErrorAnswer(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        // The usual path costs one feature lookup.
        if (context.Features.Get<IForwarderErrorFeature>() is not { Error: not ForwarderError.None } error ||
            context.Response.HasStarted || context.RequestAborted.IsCancellationRequested ||
            context.Response.StatusCode < StatusCodes.Status400BadRequest || !GrpcWire.IsGrpcRequest(context.Request))
        {
            return;
        }

        var route = context.GetReverseProxyFeature().Route.Config.RouteId;
        var status = context.Response.StatusCode;
        context.Response.Clear();
        await ProblemResponse.WriteAsync(context, status, $"Route '{route}' could not forward the call",
            $"Route '{route}': the upstream could not be reached or failed before answering ({error.Error}).");
    }
}
