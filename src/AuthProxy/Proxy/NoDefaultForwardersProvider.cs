using Yarp.ReverseProxy.Transforms.Builder;

namespace AuthProxy.Proxy;

/// <summary>
/// Turns off YARP's default <c>X-Forwarded-For/-Proto/-Host/-Prefix</c> on every route that does not set them itself.
/// IBM's APIs read none of them, and building four headers per request was a measurable share of the proxy's cost
/// (README "Performance"). A route that wants them says so with YARP's own transform, <c>{ "X-Forwarded": "Set" }</c>,
/// which this leaves alone.
/// </summary>
internal sealed class NoDefaultForwardersProvider : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.UseDefaultForwarders ??= false;
    }
}
