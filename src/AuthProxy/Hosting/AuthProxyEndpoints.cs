using AuthProxy.Admin;
using AuthProxy.Proxy;
using AuthProxy.RateLimiting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace AuthProxy.Hosting;

/// <summary>Maps the proxy's own endpoints and the YARP pipeline.</summary>
internal static class AuthProxyEndpoints
{
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    public static WebApplication MapAuthProxy(this WebApplication app)
    {
        var admin = app.Services.GetRequiredService<AdminAccess>();
        if (admin.Options.HasDedicatedListeners)
        {
            app.Use(admin.IsolateAdminListeners);
        }

        // No authentication middleware: with no default scheme (InboundAuth) it has nothing to do but open a DI scope per
        // request; routes that require a client authenticate through their policy, in the authorization middleware.
        // WebApplication adds the middleware itself unless told it is already there, under this key.
        ((IApplicationBuilder)app).Properties[AuthenticationMiddlewareSetKey] = true;
        app.UseRequestTimeouts();

        // Health probes need no client credential, even when InboundAuth's fallback policy protects everything else.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = static _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = static c => c.Tags.Contains(ConfigReadinessCheck.Tag) }).AllowAnonymous();
        app.MapStatus();
        app.MapDashboard();
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseMiddleware<RouteTimeoutAnswer>();
            pipeline.UseMiddleware<GrpcForwarderErrorAnswer>();
            // ASP.NET Core's rate limiter for routes naming a RateLimiterPolicy (not asked at all while none does).
            pipeline.UseAuthProxyRateLimiting();
            // First, so a retry after an upstream 401 runs YARP's own steps (and the forwarder) again.
            pipeline.UseMiddleware<UpstreamRetryMiddleware>();
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        }).WithLiveRateLimits(app.Services);
        return app;
    }
}
