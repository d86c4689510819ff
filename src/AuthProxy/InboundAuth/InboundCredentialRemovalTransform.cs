using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Keeps inbound credentials from reaching the upstream (README "Securing the proxy"): removes <c>X-API-Key</c> always, and
/// <c>Authorization</c> when it is a Basic credential naming a configured client or a Bearer JWT of a configured issuer. Other <c>Authorization</c>
/// values pass through (an <c>AuthToken</c> route replaces them later). Runs first on every route, so a route's
/// own transforms may still set these headers. Requests without these headers cost two header lookups.
/// </summary>
internal sealed class InboundCredentialRemovalTransform : RequestTransform
{
    private readonly InboundClientStore _store;

    public InboundCredentialRemovalTransform(InboundClientStore store) => _store = store;

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.HttpContext.Request.Headers;
        if (headers.ContainsKey(InboundAuthDefaults.ApiKeyHeaderName))
        {
            RemoveHeader(context, InboundAuthDefaults.ApiKeyHeaderName);
        }

        var authorization = headers[HeaderNames.Authorization];
        if (authorization.Count > 0)
        {
            var clients = _store.Current;
            foreach (var value in authorization)
            {
                if (InboundCredentials.IsInboundBasic(value, clients) || InboundCredentials.IsInboundJwt(value, clients))
                {
                    RemoveHeader(context, HeaderNames.Authorization);
                    break;
                }
            }
        }

        return default;
    }
}
