using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace AuthProxy.Http;

/// <summary>
/// Writes RFC 9457 <c>application/problem+json</c> answers for requests the proxy does not forward — or, to a gRPC
/// request, the answer a gRPC server would give (docs/protocols.md), so every caller answers gRPC clients correctly.
/// </summary>
internal static class ProblemResponse
{
    /// <summary>
    /// Sets the status and headers and writes the body. The texts must not contain secrets. A gRPC request
    /// (<see cref="GrpcWire.IsGrpcRequest"/>) gets a trailers-only gRPC answer instead: see <see cref="WriteGrpc"/>.
    /// </summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, TimeSpan? retryAfter = null,
        string? provider = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        if (GrpcWire.IsGrpcRequest(context.Request))
        {
            WriteGrpc(response, status, detail, retryAfter);
            // Completing now sends the headers with the end of the stream (trailers-only), and marks the response as
            // set: with status 200, YARP would otherwise not see that a transform answered, and forward.
            return response.CompleteAsync();
        }

        response.StatusCode = status;
        response.ContentType = "application/problem+json";
        response.Headers.CacheControl = "no-store";
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = RetryAfterSeconds(wait).ToString(System.Globalization.CultureInfo.InvariantCulture);
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

    /// <summary>
    /// A trailers-only gRPC answer: HTTP 200, <c>content-type: application/grpc</c>, <c>grpc-status</c> mapped from
    /// <paramref name="status"/> by gRPC's HTTP-to-gRPC table, <c>grpc-message</c> (percent-encoded) carrying the problem's
    /// detail, and <c>grpc-retry-pushback-ms</c> when the client should wait. No body: completed at once, Kestrel sends
    /// the headers with the end of the stream, which is what gRPC calls trailers-only.
    /// </summary>
    internal static void WriteGrpc(HttpResponse response, int status, string detail, TimeSpan? retryAfter)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcWire.ContentType;
        response.Headers.CacheControl = "no-store";
        response.Headers[GrpcWire.StatusHeader] = GrpcWire.StatusFor(status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[GrpcWire.MessageHeader] = GrpcWire.EncodeMessage(detail);
        if (retryAfter is { } wait)
        {
            // Milliseconds, where Retry-After can say only whole seconds.
            response.Headers[GrpcWire.RetryPushbackHeader] =
                Math.Max(0, (long)Math.Ceiling(wait.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static long RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));

    /// <summary>Marks a response not to be cached by intermediaries.</summary>
    public static void NoStore(HttpResponse response) => response.Headers[HeaderNames.CacheControl] = "no-store";
}
