using System.Reflection;
using System.Text.Json;
using AuthProxy.Configuration;
using AuthProxy.Tokens;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace AuthProxy.Admin;

/// <summary>
/// The status document (docs/operations.md and README "Dashboard"), which <c>/_authproxy/status</c> serves and the dashboard renders: providers,
/// routes, inbound clients and policies, the configuration with its recent reload attempts, recent token events and the
/// shared token cache. Built from names, times, counts, causes and display-safe URLs only — never a token or a secret:
/// route transforms (which may set secret headers) are not shown except the <c>AuthToken</c> provider name, header and
/// query matches by name only, destination addresses as <see cref="SafeDisplay.Url"/> shows them.
/// </summary>
internal sealed class StatusDocument(TokenProviderRegistry registry, ConfigState config, TokenEventLog events, IProxyStateLookup proxyState,
    IInboundViewSource inbound, TimeProvider time)
{
    /// <summary>The transform key naming a route's provider (docs/configuration.md).</summary>
    private const string AuthTokenKey = "AuthToken";

    private static readonly string Version =
        typeof(StatusDocument).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public void Write(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var clients = inbound.Current();
        writer.WriteStartObject();
        writer.WriteString("now", time.GetUtcNow());
        writer.WriteString("version", Version);
        WriteProviders(writer, clients);
        WriteConfig(writer);
        WriteRoutes(writer, clients);
        WriteInbound(writer, clients);
        WriteReloads(writer);
        WriteEvents(writer);
        WriteTokenCache(writer, registry.SharedCacheStatus);
        writer.WriteEndObject();
    }

    private void WriteProviders(Utf8JsonWriter writer, InboundView clients)
    {
        writer.WriteStartObject("providers");
        foreach (var cache in registry.Caches.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase))
        {
            var status = cache.GetStatus();
            writer.WriteStartObject(cache.Name);
            writer.WriteString("type", cache.Options.Type);
            writer.WriteString("state", status.State);
            WriteTime(writer, "expiresAt", status.ExpiresAt == DateTimeOffset.MaxValue ? null : status.ExpiresAt);
            WriteTime(writer, "lastRefresh", status.LastRefresh);
            WriteString(writer, "lastError", status.LastError);
            writer.WriteNumber("fetches", status.SuccessfulFetches + status.FailedFetches);
            writer.WriteNumber("failedFetches", status.FailedFetches);
            WriteTime(writer, "retryAt", status.RetryAt);
            writer.WriteStartArray("mappedClients");
            foreach (var client in clients.Clients.Where(c => c.TokenProviders.Values.Contains(cache.Name, StringComparer.OrdinalIgnoreCase)))
            {
                writer.WriteStringValue(client.Name);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private void WriteConfig(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("config");
        writer.WriteString("path", config.Path);
        WriteTime(writer, "loadedAt", config.LoadedAt);
        WriteString(writer, "lastReloadError", config.LastReloadError);
        writer.WriteEndObject();
    }

    private void WriteRoutes(Utf8JsonWriter writer, InboundView clients)
    {
        writer.WriteStartObject("routes");
        foreach (var route in proxyState.GetRoutes().OrderBy(r => r.Config.RouteId, StringComparer.OrdinalIgnoreCase))
        {
            var routeConfig = route.Config;
            writer.WriteStartObject(routeConfig.RouteId);
            WriteMatch(writer, routeConfig.Match);
            if (routeConfig.Order is { } order)
            {
                writer.WriteNumber("order", order);
            }
            else
            {
                writer.WriteNull("order");
            }

            var provider = ProviderOf(routeConfig);
            WriteString(writer, "provider", provider);
            writer.WriteStartObject("overrides");
            if (provider is not null)
            {
                foreach (var client in clients.Clients)
                {
                    if (client.TokenProviders.FirstOrDefault(m => m.Key.Equals(provider, StringComparison.OrdinalIgnoreCase)) is { Value: { } mapped })
                    {
                        writer.WriteString(client.Name, mapped);
                    }
                }
            }

            writer.WriteEndObject();
            WriteString(writer, "cluster", routeConfig.ClusterId);
            WriteDestinations(writer, route.Cluster);
            WriteString(writer, "authorizationPolicy", routeConfig.AuthorizationPolicy);
            WriteString(writer, "rateLimiterPolicy", routeConfig.RateLimiterPolicy);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteMatch(Utf8JsonWriter writer, RouteMatch match)
    {
        writer.WriteStartObject("match");
        WriteString(writer, "path", match.Path);
        WriteStrings(writer, "hosts", match.Hosts ?? []);
        WriteStrings(writer, "methods", match.Methods ?? []);
        // Names only: a matched value could be a shared secret.
        WriteStrings(writer, "headers", match.Headers?.Select(h => h.Name) ?? []);
        WriteStrings(writer, "queryParameters", match.QueryParameters?.Select(q => q.Name) ?? []);
        writer.WriteEndObject();
    }

    private static void WriteDestinations(Utf8JsonWriter writer, ClusterState? cluster)
    {
        writer.WriteStartObject("destinations");
        foreach (var (name, destination) in (cluster?.Destinations ?? []).OrderBy(d => d.Key, StringComparer.OrdinalIgnoreCase))
        {
            writer.WriteStartObject(name);
            WriteString(writer, "address", SafeDisplay.Url(destination.Model?.Config.Address));
            writer.WriteString("health", Health(destination.Health));
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static string Health(DestinationHealthState health) =>
        health.Active == DestinationHealth.Unhealthy || health.Passive == DestinationHealth.Unhealthy ? "unhealthy"
        : health.Active == DestinationHealth.Healthy || health.Passive == DestinationHealth.Healthy ? "healthy"
        : "unknown";

    private static void WriteInbound(Utf8JsonWriter writer, InboundView clients)
    {
        writer.WriteStartObject("inbound");
        writer.WriteStartObject("clients");
        foreach (var client in clients.Clients)
        {
            writer.WriteStartObject(client.Name);
            writer.WriteStartObject("tokenProviders");
            foreach (var (from, to) in client.TokenProviders.OrderBy(m => m.Key, StringComparer.OrdinalIgnoreCase))
            {
                writer.WriteString(from, to);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteStartObject("policies");
        foreach (var (name, members) in clients.Policies.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
        {
            WriteStrings(writer, name, members);
        }

        writer.WriteEndObject();
        writer.WriteBoolean("allowAnonymous", clients.AllowAnonymous);
        writer.WriteEndObject();
    }

    private void WriteReloads(Utf8JsonWriter writer)
    {
        writer.WriteStartArray("reloads");
        foreach (var attempt in config.History.Reverse())
        {
            writer.WriteStartObject();
            writer.WriteString("at", attempt.At);
            writer.WriteString("outcome", attempt.Accepted ? "accepted" : "rejected");
            writer.WriteStartArray("problems");
            foreach (var problem in attempt.Problems)
            {
                writer.WriteStartObject();
                writer.WriteString("path", problem.Path);
                writer.WriteString("reason", problem.Reason);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private void WriteEvents(Utf8JsonWriter writer)
    {
        writer.WriteStartArray("events");
        foreach (var tokenEvent in events.Recent())
        {
            writer.WriteStartObject();
            writer.WriteString("at", tokenEvent.At);
            writer.WriteString("provider", tokenEvent.Provider);
            writer.WriteString("kind", KindName(tokenEvent.Kind));
            writer.WriteString("detail", tokenEvent.Detail);
            WriteTime(writer, "until", tokenEvent.Until);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// The shared token cache (README "Running a fleet"): <c>null</c> until one is configured. The fleet work writes its
    /// <c>{ "kind", "state", "lastError", … }</c> here; the dashboard renders whatever fields the object has.
    /// </summary>
    /// <summary><c>tokenCache</c>: the fleet's shared cache and this replica's use of it, or null when there is none.</summary>
    private static void WriteTokenCache(Utf8JsonWriter writer, Tokens.Fleet.SharedTokenCacheStatus? status)
    {
        if (status is null)
        {
            writer.WriteNull("tokenCache");
            return;
        }

        writer.WriteStartObject("tokenCache");
        writer.WriteString("kind", status.Kind);
        writer.WriteString("state", status.State);
        WriteString(writer, "lastError", status.LastError);
        WriteTime(writer, "since", status.Since);
        writer.WriteNumber("hits", status.Hits);
        writer.WriteNumber("misses", status.Misses);
        writer.WriteNumber("fallbacks", status.Fallbacks);
        writer.WriteNumber("lockWaits", status.LockWaits);
        writer.WriteEndObject();
    }

    internal static string KindName(TokenEventKind kind) => kind switch
    {
        TokenEventKind.Fetched => "fetched",
        TokenEventKind.Renewed => "renewed",
        TokenEventKind.Failed => "failed",
        TokenEventKind.Dropped => "dropped",
        TokenEventKind.BackoffStarted => "backoffStarted",
        TokenEventKind.BackoffEnded => "backoffEnded",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The provider of the route's <c>AuthToken</c> transform, or null.</summary>
    private static string? ProviderOf(RouteConfig route)
    {
        foreach (var transform in route.Transforms ?? [])
        {
            foreach (var (key, value) in transform)
            {
                if (key.Equals(AuthTokenKey, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }
        }

        return null;
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } at)
        {
            writer.WriteString(name, at);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
