using AuthProxy.Admin;
using AuthProxy.Configuration;
using AuthProxy.InboundAuth;
using AuthProxy.Proxy;
using AuthProxy.RateLimiting;
using AuthProxy.Telemetry;
using AuthProxy.Tokens;
using AuthProxy.Tokens.Fleet;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AuthProxy.Hosting;

/// <summary>Registers AuthProxy's services. <c>Program</c> only composes these.</summary>
internal static class AuthProxyServiceCollectionExtensions
{
    /// <summary>Registers every feature, each starting from its part of the validated <paramref name="snapshot"/>.</summary>
    public static IServiceCollection AddAuthProxy(this IServiceCollection services, IConfiguration configuration, ConfigSnapshot snapshot,
        ConfigFileSource file, IReadOnlyList<string> commandLine)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(file);
        services.AddSingleton(new ReloadInputs(snapshot, commandLine));
        services.AddSingleton(sp => new ConfigState(snapshot.Path, sp.GetRequiredService<TimeProvider>().GetUtcNow()));
        services.AddAuthProxyTokens(snapshot.Providers, snapshot.TokenCache);
        services.AddInboundAuth(snapshot.Clients, snapshot.NonLoopbackListeners);
        services.AddAuthProxyRateLimiting(snapshot.RateLimits, InboundAuthDefaults.ClientClaimType);
        services.AddSingleton(new AdminAccess(snapshot.Admin));
        services.TryAddSingleton<IInboundViewSource, InboundViewSource>();
        services.TryAddSingleton<StatusDocument>();

        // A route's YARP "Timeout" needs ASP.NET Core's request timeouts.
        services.AddRequestTimeouts();
        services.TryAddSingleton<AuthTokenRouteTable>();
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection(ReverseProxyConfigCheck.Section))
            .AddTransformFactory<AuthTokenTransformFactory>()
            .AddInboundCredentialRemoval()
            .AddTransforms<ViaHeaderTransform.Provider>()
            .AddTransforms<NoDefaultForwardersProvider>();

        services.AddSingleton<ConfigReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfigReloader>());
        services.AddHostedService<StartupAnnouncement>();
        services.AddSingleton(sp => new ShutdownDrain(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ShutdownDrain>>())
        {
            Options = snapshot.Shutdown,
        });
        services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());
        services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownDrain.InFlightTimeout + snapshot.Shutdown.DrainDelay);
        services.AddHealthChecks().AddCheck<ConfigReadinessCheck>("config", tags: [ConfigReadinessCheck.Tag]);
        return services;
    }

    public static IServiceCollection AddAuthProxyTokens(this IServiceCollection services, IReadOnlyList<ProviderDefinition> initialProviders,
        RedisTokenCacheOptions? sharedCache = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<TokenMetrics>();
        services.TryAddSingleton<TokenEventLog>();
        services.TryAddSingleton<TokenCacheMetrics>();
        services.TryAddSingleton(sp =>
        {
            var registry = ActivatorUtilities.CreateInstance<TokenProviderRegistry>(sp);
            registry.Apply(initialProviders, sharedCache);
            return registry;
        });
        services.TryAddSingleton<ITokenProviderCatalog>(sp => sp.GetRequiredService<TokenProviderRegistry>());
        return services;
    }
}
