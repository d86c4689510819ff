using System.Globalization;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace AuthProxy.Http;

/// <summary>
/// What the proxy needs of the gRPC wire protocol (docs/protocols.md) without a gRPC library: recognising a gRPC request,
/// gRPC's HTTP-to-gRPC status table, and the percent-encoding of <c>grpc-message</c>.
/// </summary>
internal static class GrpcWire
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string RetryPushbackHeader = "grpc-retry-pushback-ms";

    /// <summary><c>UNAUTHENTICATED</c>: what a gRPC server answers to a refused token.</summary>
    public const int Unauthenticated = 16;

    /// <summary>True for <c>application/grpc</c> and <c>application/grpc+proto</c> (any <c>+suffix</c>, any parameters).</summary>
    public static bool IsGrpcRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return IsGrpcContentType(request.Headers[HeaderNames.ContentType].ToString());
    }

    /// <summary>True for a gRPC content type; gRPC-Web's <c>application/grpc-web…</c> is another protocol and is not one.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType) || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (contentType.Length == ContentType.Length)
        {
            return true;
        }

        var next = contentType[ContentType.Length];
        return next is '+' or ';' or ' ' or '\t';
    }

    /// <summary>
    /// gRPC's table for an HTTP status received instead of a gRPC answer (grpc/doc/http-grpc-status-mapping.md):
    /// 400 → 13 INTERNAL, 401 → 16 UNAUTHENTICATED, 403 → 7 PERMISSION_DENIED, 404 → 12 UNIMPLEMENTED,
    /// 429/502/503/504 → 14 UNAVAILABLE, anything else → 2 UNKNOWN.
    /// </summary>
    public static int StatusFor(int httpStatus) => httpStatus switch
    {
        400 => 13,
        401 => Unauthenticated,
        403 => 7,
        404 => 12,
        429 or 502 or 503 or 504 => 14,
        _ => 2,
    };

    /// <summary>
    /// Percent-encodes a <c>grpc-message</c> as the gRPC HTTP/2 protocol asks: the UTF-8 bytes outside
    /// <c>%x20-%x7E</c>, and <c>%</c> itself, become <c>%XX</c>.
    /// </summary>
    public static string EncodeMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var plain = true;
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            return message;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        var text = new StringBuilder(bytes.Length + 16);
        foreach (var b in bytes)
        {
            if (b is < 0x20 or > 0x7E or (byte)'%')
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append((char)b);
            }
        }

        return text.ToString();
    }

    /// <summary>True when a response's headers (not trailers) carry <c>grpc-status: 16</c>: a trailers-only <c>UNAUTHENTICATED</c>.</summary>
    public static bool IsTrailersOnlyUnauthenticated(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.StatusCode == System.Net.HttpStatusCode.OK &&
            response.Headers.NonValidated.TryGetValues(StatusHeader, out var values) && values.Count == 1 &&
            values.ToString().Trim() == "16";
    }
}
