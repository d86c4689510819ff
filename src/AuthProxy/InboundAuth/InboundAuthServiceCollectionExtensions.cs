using AuthProxy.Configuration;
using AuthProxy.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AuthProxy.InboundAuth;

/// <summary>Registers inbound client authentication: the scheme, the live client store and the policies.</summary>
internal static class InboundAuthServiceCollectionExtensions
{
    /// <summary>
    /// Adds the inbound authentication scheme (the default scheme), the <see cref="InboundClientStore"/> filled from
    /// <paramref name="configuration"/>'s <c>InboundAuth</c> section, and the policy provider behind routes'
    /// <c>AuthorizationPolicy</c> and the secure-by-default fallback. Pair with <see cref="AddInboundCredentialRemoval"/>.
    /// </summary>
    public static IServiceCollection AddInboundAuth(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddMetrics();
        services.TryAddSingleton<TokenMetrics>();
        services.TryAddSingleton(sp =>
        {
            var store = new InboundClientStore(InboundListenerGuard.NonLoopbackListeners(configuration),
                sp.GetRequiredService<ILogger<InboundClientStore>>());
            var problems = store.Apply(configuration);
            return problems.Count == 0 ? store : throw new ConfigurationProblemsException(problems);
        });

        // No default authenticate scheme: the authentication middleware would then run the handler on every request.
        // The policies name the scheme, so only routes that require a client authenticate, and a proxy with no
        // clients does no authentication work at all.
        services.AddAuthentication(options =>
        {
            options.DefaultChallengeScheme = InboundAuthDefaults.AuthenticationScheme;
            options.DefaultForbidScheme = InboundAuthDefaults.AuthenticationScheme;
        }).AddInboundClients();
        services.AddAuthorization();
        services.Replace(ServiceDescriptor.Singleton<IAuthorizationPolicyProvider, InboundAuthorizationPolicyProvider>());
        return services;
    }

    /// <summary>Adds the scheme <see cref="InboundAuthDefaults.AuthenticationScheme"/>; needs an <see cref="InboundClientStore"/>.</summary>
    public static AuthenticationBuilder AddInboundClients(this AuthenticationBuilder builder, Action<InboundAuthOptions>? configure = null) =>
        builder.AddScheme<InboundAuthOptions, InboundAuthHandler>(InboundAuthDefaults.AuthenticationScheme, configure);

    /// <summary>Removes inbound credentials from every proxied request (first transform of every route).</summary>
    public static IReverseProxyBuilder AddInboundCredentialRemoval(this IReverseProxyBuilder builder) =>
        builder.AddTransforms<InboundCredentialTransformProvider>();

    /// <summary>
    /// For YARP's validation of a candidate configuration in a throw-away container: lets YARP accept routes'
    /// policy names (<see cref="InboundAuthValidator"/> checks them against the candidate's <c>InboundAuth:Policies</c>).
    /// </summary>
    public static IServiceCollection AddRoutePolicyPlaceholders(this IServiceCollection services)
    {
        services.AddAuthorization();
        services.Replace(ServiceDescriptor.Singleton<IAuthorizationPolicyProvider, RoutePolicyPlaceholderProvider>());
        return services;
    }
}
