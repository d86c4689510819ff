using System.Text.Json;
using WireMock;

namespace AuthProxy.Tests.Tokens;

/// <summary>Reads what a <see cref="TokenEndpointStub"/> received.</summary>
public static class RequestMessageExtensions
{
    /// <summary>The header's value (several joined with ", "), or null when absent. Names match case-insensitively.</summary>
    public static string? Header(this IRequestMessage request, string name)
    {
        foreach (var (key, values) in request.Headers ?? new Dictionary<string, WireMock.Types.WireMockList<string>>())
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return string.Join(", ", values);
            }
        }

        return null;
    }

    /// <summary>The body as an HTML form (empty when it is not one).</summary>
    public static IReadOnlyDictionary<string, string> Form(this IRequestMessage request) =>
        request.BodyData?.BodyAsFormUrlEncoded is { } form ? new Dictionary<string, string>(form) : new Dictionary<string, string>();

    /// <summary>The body as a JSON object, property name to string value.</summary>
    public static Dictionary<string, string?> JsonBody(this IRequestMessage request)
    {
        using var doc = JsonDocument.Parse(request.Body ?? "");
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
    }

    /// <summary>The body's bytes (empty when there was none).</summary>
    public static byte[] BodyBytes(this IRequestMessage request) => request.BodyAsBytes ?? [];
}
