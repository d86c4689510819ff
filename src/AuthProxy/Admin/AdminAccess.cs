using System.Net;
using AuthProxy.Http;

namespace AuthProxy.Admin;

/// <summary>
/// Who may reach the admin endpoints: a caller on this host — judged by the TCP connection's own addresses, never by
/// <c>X-Forwarded-For</c>, <c>Forwarded</c> or the forwarded-headers middleware — whose request did not come through
/// one of the proxy's own routes; and, with <c>Admin:Urls</c>, only on those listeners. Everyone else gets 404, as if
/// the endpoints did not exist.
/// </summary>
internal sealed class AdminAccess(AdminOptions options)
{
    /// <summary>The path prefix of every admin endpoint.</summary>
    public const string PathPrefix = "/_authproxy";

    public AdminOptions Options { get; } = options;

    public bool Allows(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var origin = ConnectionOrigin.Of(context);
        var loopback = origin?.IsLoopback
            ?? (context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote));
        if (!loopback || ProxyHop.HasPassedThroughAProxyRoute(context.Request))
        {
            return false;
        }

        return !Options.HasDedicatedListeners || Options.IsAdminListener(origin?.Local);
    }

    /// <summary>
    /// With dedicated admin listeners: a request on one of them for anything but an admin endpoint gets 404 (the admin
    /// port serves nothing else). Added to the pipeline only when <c>Admin:Urls</c> is set.
    /// </summary>
    public RequestDelegate IsolateAdminListeners(RequestDelegate next) => context =>
    {
        if (Options.IsAdminListener(ConnectionOrigin.Of(context)?.Local) &&
            !context.Request.Path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(context);
    };
}
