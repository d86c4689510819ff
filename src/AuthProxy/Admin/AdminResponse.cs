namespace AuthProxy.Admin;

/// <summary>
/// Headers on every admin answer (status, dashboard and its assets): a Content-Security-Policy allowing the proxy's own
/// origin only (no inline script or style, nothing external, no framing), no content sniffing, no caching, no referrer.
/// </summary>
internal static class AdminResponse
{
    /// <summary>The dashboard's policy: its own script, style, icon and status document, nothing else.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'none'; " +
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void Secure(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-store";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
}
