using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Sandbox.Hosting;

/// <summary>Request and response plumbing the emulators share.</summary>
internal static class EmulatorHttp
{
    /// <summary>IBM's services write '+' and non-ASCII text unescaped; so do the emulators.</summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            body.WriteTo(writer);
        }

        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary>The body as a JSON object, or <see langword="null"/> when it is empty or not a JSON object.</summary>
    public static async Task<JsonObject?> ReadJsonObjectAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The body as an HTML form, or <see langword="null"/> when it is not one.</summary>
    public static async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return null;
        }

        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>A string property of a JSON object, or <see langword="null"/> when absent or not a string.</summary>
    public static string? GetString(JsonObject? json, string name) =>
        json?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>
    /// The credential after <paramref name="scheme"/> in the <c>Authorization</c> header (scheme matched
    /// case-insensitively, as HTTP says), or the reason it cannot be had.
    /// </summary>
    public static bool TryGetAuthorization(HttpContext context, string scheme, out string credential, out RejectionReason reason)
    {
        credential = "";
        var header = context.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            reason = RejectionReason.MissingHeader;
            return false;
        }

        if (header.Length <= scheme.Length + 1 || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header[scheme.Length] != ' ')
        {
            reason = RejectionReason.MalformedHeader;
            return false;
        }

        credential = header[(scheme.Length + 1)..].Trim();
        reason = credential.Length > 0 ? default : RejectionReason.MalformedHeader;
        return credential.Length > 0;
    }
}
