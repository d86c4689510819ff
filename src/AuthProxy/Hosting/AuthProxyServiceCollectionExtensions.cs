using AuthProxy.Configuration;
using AuthProxy.InboundAuth;
using AuthProxy.Proxy;
using AuthProxy.Telemetry;
using AuthProxy.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AuthProxy.Hosting;

/// <summary>Registers AuthProxy's services. <c>Program</c> only composes these.</summary>
internal static class AuthProxyServiceCollectionExtensions
{
    public static IServiceCollection AddAuthProxy(this IServiceCollection services, IConfiguration configuration,
        ValidatedConfigurationSource validated, string configPath, ValidatedConfig initial)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(validated);
        services.AddSingleton(sp => new ConfigState(configPath, sp.GetRequiredService<TimeProvider>().GetUtcNow()));
        services.AddAuthProxyTokens(initial.Providers);
        services.AddInboundAuth(configuration);

        services.TryAddSingleton<AuthTokenRouteTable>();
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection(ConfigValidator.ReverseProxySection))
            .AddTransformFactory<AuthTokenTransformFactory>()
            .AddInboundCredentialRemoval();

        services.AddSingleton<ConfigReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfigReloader>());
        services.AddHealthChecks().AddCheck<ConfigReadinessCheck>("config", tags: [ConfigReadinessCheck.Tag]);
        return services;
    }

    public static IServiceCollection AddAuthProxyTokens(this IServiceCollection services, IReadOnlyList<ProviderDefinition> initialProviders)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<TokenMetrics>();
        services.TryAddSingleton(sp =>
        {
            var registry = ActivatorUtilities.CreateInstance<TokenProviderRegistry>(sp);
            registry.Apply(initialProviders);
            return registry;
        });
        services.TryAddSingleton<ITokenProviderCatalog>(sp => sp.GetRequiredService<TokenProviderRegistry>());
        return services;
    }
}
