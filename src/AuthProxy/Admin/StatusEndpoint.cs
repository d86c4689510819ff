using System.Text.Json;
using AuthProxy.Configuration;
using AuthProxy.Tokens;

namespace AuthProxy.Admin;

/// <summary>
/// <c>GET /_authproxy/status</c> (CONTRACT §5): per provider its type, state, expiry, last refresh, last error and
/// fetch counts; the configuration's load time and last reload error. Answered only to callers <see cref="AdminAccess"/>
/// allows (others get 404) and never contains a token or a secret.
/// </summary>
internal static class StatusEndpoint
{
    public const string Path = AdminAccess.PathPrefix + "/status";

    public static IEndpointConventionBuilder MapStatus(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(Path, WriteAsync).AllowAnonymous().ExcludeFromDescription();

    private static async Task WriteAsync(HttpContext context, AdminAccess access, TokenProviderRegistry registry, ConfigState config)
    {
        if (!access.Allows(context))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await using var writer = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteStartObject("providers");
        foreach (var cache in registry.Caches.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase))
        {
            var status = cache.GetStatus();
            writer.WriteStartObject(cache.Name);
            writer.WriteString("type", cache.Options.Type);
            writer.WriteString("state", status.State);
            WriteTime(writer, "expiresAt", status.ExpiresAt == DateTimeOffset.MaxValue ? null : status.ExpiresAt);
            WriteTime(writer, "lastRefresh", status.LastRefresh);
            if (status.LastError is null)
            {
                writer.WriteNull("lastError");
            }
            else
            {
                writer.WriteString("lastError", status.LastError);
            }

            writer.WriteNumber("fetches", status.SuccessfulFetches + status.FailedFetches);
            writer.WriteNumber("failedFetches", status.FailedFetches);
            WriteTime(writer, "retryAt", status.RetryAt);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        WriteTokenCache(writer, registry.SharedCacheStatus);
        writer.WriteStartObject("config");
        writer.WriteString("path", config.Path);
        WriteTime(writer, "loadedAt", config.LoadedAt);
        if (config.LastReloadError is null)
        {
            writer.WriteNull("lastReloadError");
        }
        else
        {
            writer.WriteString("lastReloadError", config.LastReloadError);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary><c>tokenCache</c> (CONTRACT §10): the fleet's shared cache and this replica's use of it, or null when there is none.</summary>
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
        if (status.LastError is null)
        {
            writer.WriteNull("lastError");
        }
        else
        {
            writer.WriteString("lastError", status.LastError);
        }

        writer.WriteString("since", status.Since);
        writer.WriteNumber("hits", status.Hits);
        writer.WriteNumber("misses", status.Misses);
        writer.WriteNumber("fallbacks", status.Fallbacks);
        writer.WriteNumber("lockWaits", status.LockWaits);
        writer.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            writer.WriteString(name, time);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
