using System.Text.Encodings.Web;
using System.Text.Json;

namespace AuthProxy.Admin;

/// <summary>
/// <c>GET /_authproxy/status</c> (docs/operations.md and README "Dashboard"): the <see cref="StatusDocument"/> as JSON. Answered only to callers
/// <see cref="AdminAccess"/> allows (others get 404) and never contains a token or a secret.
/// </summary>
internal static class StatusEndpoint
{
    public const string Path = AdminAccess.PathPrefix + "/status";

    // Problems and errors quote names ('kms'): written as they are, not as \u0027. The document is served as JSON with
    // nosniff and the dashboard inserts it as text only, so no HTML-sensitive character needs escaping.
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEndpointConventionBuilder MapStatus(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(Path, WriteAsync).AllowAnonymous().ExcludeFromDescription();

    private static async Task WriteAsync(HttpContext context, AdminAccess access, StatusDocument document)
    {
        if (!access.Allows(context))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        AdminResponse.Secure(context.Response);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body, WriterOptions);
        document.Write(writer);
        await writer.FlushAsync(context.RequestAborted);
    }
}
