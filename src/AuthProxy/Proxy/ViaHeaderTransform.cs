using AuthProxy.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace AuthProxy.Proxy;

/// <summary>
/// Adds AuthProxy's <c>Via</c> entry to every forwarded request (after any the client sent), so the admin endpoints
/// can refuse a request that looped back through one of the proxy's own routes (<see cref="ProxyHop"/>).
/// </summary>
internal sealed class ViaHeaderTransform : RequestTransform
{
    private static readonly string Http11 = ProxyHop.ViaEntry("HTTP/1.1");
    private static readonly string Http2 = ProxyHop.ViaEntry("HTTP/2");

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var protocol = context.HttpContext.Request.Protocol;
        var entry = ReferenceEquals(protocol, HttpProtocol.Http11) ? Http11
            : ReferenceEquals(protocol, HttpProtocol.Http2) ? Http2
            : ProxyHop.ViaEntry(protocol);
        // YARP copies the client's Via to the proxy request; ours is appended, as an intermediary's should be.
        context.ProxyRequest.Headers.TryAddWithoutValidation(HeaderNames.Via, entry);
        return default;
    }

    /// <summary>Adds the transform to every route.</summary>
    internal sealed class Provider : ITransformProvider
    {
        private static readonly ViaHeaderTransform Instance = new();

        public void ValidateRoute(TransformRouteValidationContext context)
        {
        }

        public void ValidateCluster(TransformClusterValidationContext context)
        {
        }

        public void Apply(TransformBuilderContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            context.RequestTransforms.Add(Instance);
        }
    }
}
