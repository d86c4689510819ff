using AuthProxy.Telemetry;
using AuthProxy.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AuthProxy.InboundAuth;

/// <summary>Registers inbound client authentication: the scheme, the live client store and the policies.</summary>
internal static class InboundAuthServiceCollectionExtensions
{
    private const string SuppressAutoDefaultScheme = "Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme";

    /// <summary>
    /// Adds the inbound authentication scheme, the <see cref="InboundClientStore"/> holding <paramref name="initial"/>
    /// (read by <see cref="InboundAuthConfig.Read"/>), and the policy provider behind routes' <c>AuthorizationPolicy</c>
    /// and the secure-by-default fallback. Pair with <see cref="AddInboundCredentialRemoval"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="initial">The validated client set to start with.</param>
    /// <param name="nonLoopbackListeners">The non-loopback listeners the host starts with (for the anonymous-serving warning).</param>
    public static IServiceCollection AddInboundAuth(this IServiceCollection services, InboundClientSet initial, IReadOnlyList<string> nonLoopbackListeners)
    {
        ArgumentNullException.ThrowIfNull(initial);
        services.AddMetrics();
        services.TryAddSingleton<TokenMetrics>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClientProviderMaps>();
        services.TryAddSingleton(sp => new JwtIssuerKeyRing(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<JwtIssuerKeyRing>>(),
            sp.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None));
        services.TryAddSingleton<JwtCredentialCheck>();
        services.TryAddSingleton(sp =>
        {
            // Created when the host starts (the reloader needs it), so the JWT issuers' keys are fetched at start-up.
            var store = new InboundClientStore(nonLoopbackListeners, sp.GetRequiredService<ILogger<InboundClientStore>>(),
                sp.GetRequiredService<JwtIssuerKeyRing>(), sp.GetRequiredService<ClientProviderMaps>());
            store.Update(initial);
            return store;
        });

        // No default authenticate scheme, not even the one ASP.NET Core picks when a single scheme is registered (only a
        // process-wide switch turns that off): the authentication middleware would then run the handler on every request.
        // The policies name the scheme, so only routes that require a client authenticate, and a proxy with no clients
        // does no authentication work at all.
        AppContext.SetSwitch(SuppressAutoDefaultScheme, true);
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
}
