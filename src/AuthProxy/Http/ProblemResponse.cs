using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace AuthProxy.Http;

/// <summary>Writes RFC 9457 <c>application/problem+json</c> answers for requests the proxy does not forward.</summary>
internal static class ProblemResponse
{
    /// <summary>Sets the status and headers and writes the body. The texts must not contain secrets.</summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, TimeSpan? retryAfter = null,
        string? provider = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/problem+json";
        response.Headers.CacheControl = "no-store";
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "about:blank");
            writer.WriteString("title", title);
            writer.WriteNumber("status", status);
            writer.WriteString("detail", detail);
            if (provider is not null)
            {
                writer.WriteString("provider", provider);
            }

            if (context.TraceIdentifier is { Length: > 0 } traceId)
            {
                writer.WriteString("traceId", System.Diagnostics.Activity.Current?.TraceId.ToString() ?? traceId);
            }

            writer.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }

    /// <summary>Marks a response not to be cached by intermediaries.</summary>
    public static void NoStore(HttpResponse response) => response.Headers[HeaderNames.CacheControl] = "no-store";
}
