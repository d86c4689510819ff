using AuthProxy.Telemetry;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Configuration;

namespace AuthProxy.RateLimiting;

/// <summary>Registers rate limiting: ASP.NET Core's rate limiter, run behind YARP's route <c>RateLimiterPolicy</c>, with live policies.</summary>
internal static class RateLimitingServiceCollectionExtensions
{
    /// <summary>
    /// Adds ASP.NET Core's rate limiter and the live <see cref="RateLimitPolicies"/> holding <paramref name="initial"/>.
    /// <paramref name="clientClaimType"/> is the claim naming an authenticated client (partitions by client use it).
    /// Pair with <see cref="WithLiveRateLimits"/> on the proxy's endpoints and <c>UseRateLimiter()</c> in its pipeline.
    /// </summary>
    public static IServiceCollection AddAuthProxyRateLimiting(this IServiceCollection services, RateLimitingOptions initial, string clientClaimType)
    {
        ArgumentNullException.ThrowIfNull(initial);
        services.AddMetrics();
        services.TryAddSingleton<RateLimitMetrics>();
        services.TryAddSingleton(sp =>
        {
            var metrics = sp.GetRequiredService<RateLimitMetrics>();
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("AuthProxy.RateLimiting");
            return new RateLimitPolicies(initial, (policies, name) => new LiveRateLimiterPolicy(name, policies, clientClaimType, metrics, logger),
                sp.GetRequiredService<ILogger<RateLimitPolicies>>());
        });
        services.AddRateLimiter(static options => options.RejectionStatusCode = StatusCodes.Status429TooManyRequests);
        services.AddOptions<RateLimiterOptions>().Configure<RateLimitPolicies>(static (options, policies) => policies.Attach(options));
        return services;
    }

    /// <summary>
    /// ASP.NET Core's rate limiter in the proxy pipeline, asked only while some route names a policy: a proxy without rate
    /// limits pays one field read per request, not the middleware's endpoint-metadata lookups.
    /// </summary>
    public static IApplicationBuilder UseAuthProxyRateLimiting(this IApplicationBuilder pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var policies = pipeline.ApplicationServices.GetRequiredService<RateLimitPolicies>();
        return pipeline.Use(next =>
        {
            var branch = pipeline.New();
            branch.UseRateLimiter();
            branch.Run(next);
            var limited = branch.Build();
            return context => policies.AnyRouteLimited ? limited(context) : next(context);
        });
    }

    /// <summary>
    /// Gives every route that names a policy that policy's live object as its endpoint's rate-limiting metadata (after YARP's
    /// own, by name, which it overrides). ASP.NET Core's middleware knows the policies it was built with only; through the
    /// object it also applies policies added by a later edit, and every change to one.
    /// </summary>
    public static ReverseProxyConventionBuilder WithLiveRateLimits(this ReverseProxyConventionBuilder builder, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var policies = services.GetRequiredService<RateLimitPolicies>();
        return builder.ConfigureEndpoints((endpoint, route) =>
        {
            var name = route.RateLimiterPolicy;
            if (string.IsNullOrEmpty(name) || RateLimitingConfig.ReservedNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return;
            }

            endpoint.RequireRateLimiting(policies.For(name));
        });
    }
}
