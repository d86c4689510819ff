using Yarp.ReverseProxy.Transforms.Builder;

namespace AuthProxy.InboundAuth;

/// <summary>Puts <see cref="InboundCredentialRemovalTransform"/> first on every route YARP builds.</summary>
internal sealed class InboundCredentialTransformProvider : ITransformProvider
{
    private readonly InboundCredentialRemovalTransform _transform;

    public InboundCredentialTransformProvider(InboundClientStore store) => _transform = new InboundCredentialRemovalTransform(store);

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.RequestTransforms.Insert(0, _transform);
    }
}
