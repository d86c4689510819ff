using AuthProxy.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;

namespace AuthProxy.Proxy;

/// <summary>
/// A route's YARP <c>Timeout</c> cancels the request through ASP.NET Core's request timeouts, which YARP then reports
/// as a client that went away (400). For a proxy that is a gateway timeout: the upstream did not answer in time, so
/// the client gets a 504 <c>problem+json</c> naming the route, as it does when a token endpoint times out.
/// </summary>
internal sealed class RouteTimeoutAnswer(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        // The usual path costs one cancellation check.
        if (!context.RequestAborted.IsCancellationRequested || context.Response.HasStarted ||
            context.Features.Get<IHttpRequestTimeoutFeature>() is not { RequestTimeoutToken.IsCancellationRequested: true } ||
            context.Features.Get<IForwarderErrorFeature>() is not { Error: ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled })
        {
            return;
        }

        var route = context.GetReverseProxyFeature().Route.Config.RouteId;
        await ProblemResponse.WriteAsync(context, StatusCodes.Status504GatewayTimeout, $"Route '{route}' timed out",
            $"The upstream did not answer within the route's Timeout.");
    }
}
