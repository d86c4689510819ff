using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Configuration;

namespace AuthProxy.Proxy;

/// <summary>
/// Maps YARP route configurations to their <see cref="AuthTokenRoute"/>. Filled when YARP builds a route's
/// transforms; read lock-free per request by <see cref="UpstreamRetryMiddleware"/>. Weak keys let routes
/// removed by a configuration change be collected.
/// </summary>
internal sealed class AuthTokenRouteTable
{
    private readonly ConditionalWeakTable<RouteConfig, AuthTokenRoute> _routes = new();

    public void Set(RouteConfig route, AuthTokenRoute info) => _routes.AddOrUpdate(route, info);

    public bool TryGet(RouteConfig route, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out AuthTokenRoute info) =>
        _routes.TryGetValue(route, out info);
}
