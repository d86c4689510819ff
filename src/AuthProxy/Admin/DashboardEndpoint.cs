namespace AuthProxy.Admin;

/// <summary>
/// <c>GET /_authproxy/</c> (README "Dashboard"): the dashboard, one page with its script, style sheet and icon, all embedded in
/// the proxy and served by it (no CDN, no external font: it works with no network). The page polls
/// <see cref="StatusEndpoint"/> and renders it. Same access rule as the status endpoint: callers <see cref="AdminAccess"/>
/// does not allow get 404.
/// </summary>
internal static class DashboardEndpoint
{
    /// <summary>The page; routing matches it with and without the trailing slash, and its assets use absolute paths.</summary>
    public const string Path = AdminAccess.PathPrefix + "/";

    private static readonly DashboardAsset Page = DashboardAsset.Load("index.html", "text/html; charset=utf-8");

    private static readonly DashboardAsset[] Assets =
    [
        DashboardAsset.Load("dashboard.js", "text/javascript; charset=utf-8"),
        DashboardAsset.Load("dashboard.css", "text/css; charset=utf-8"),
        DashboardAsset.Load("favicon.svg", "image/svg+xml"),
    ];

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminAccess.PathPrefix, (HttpContext context, AdminAccess access) => ServeAsync(context, access, Page))
            .AllowAnonymous().ExcludeFromDescription();
        foreach (var asset in Assets)
        {
            endpoints.MapGet($"{AdminAccess.PathPrefix}/{asset.Name}", (HttpContext context, AdminAccess access) => ServeAsync(context, access, asset))
                .AllowAnonymous().ExcludeFromDescription();
        }

        return endpoints;
    }

    private static Task ServeAsync(HttpContext context, AdminAccess access, DashboardAsset asset)
    {
        if (!access.Allows(context))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        AdminResponse.Secure(context.Response);
        context.Response.ContentType = asset.ContentType;
        context.Response.ContentLength = asset.Content.Length;
        return context.Response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }
}
