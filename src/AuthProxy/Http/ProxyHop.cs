using Microsoft.Net.Http.Headers;

namespace AuthProxy.Http;

/// <summary>
/// Marks requests AuthProxy forwards with a <c>Via</c> entry (as RFC 9110 asks of proxies), so a request that reaches
/// the proxy again through one of its own routes — a route whose destination is the proxy itself — is recognised and
/// kept away from the admin endpoints, whatever its connection looks like.
/// </summary>
internal static class ProxyHop
{
    /// <summary>The pseudonym AuthProxy adds to <c>Via</c>.</summary>
    public const string Pseudonym = "authproxy";

    /// <summary>The <c>Via</c> entry for a request received over HTTP/<paramref name="protocol"/>.</summary>
    public static string ViaEntry(string protocol) => protocol switch
    {
        "HTTP/2" => "2 " + Pseudonym,
        "HTTP/3" => "3 " + Pseudonym,
        "HTTP/1.0" => "1.0 " + Pseudonym,
        _ => "1.1 " + Pseudonym,
    };

    /// <summary>True when the request passed through an AuthProxy route on its way here.</summary>
    public static bool HasPassedThroughAProxyRoute(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var value in request.Headers[HeaderNames.Via])
        {
            if (value is not null && value.Contains(Pseudonym, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
