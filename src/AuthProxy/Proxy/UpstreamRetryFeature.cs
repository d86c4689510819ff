namespace AuthProxy.Proxy;

/// <summary>
/// Per-request retry state shared between <see cref="UpstreamRetryMiddleware"/> (which can replay the request) and
/// <see cref="UnauthorizedResponseTransform"/> (which sees the upstream's 401 and holds its body back). The state is
/// which of two shared instances is set as the request's feature, so the per-request path allocates nothing.
/// </summary>
internal sealed class UpstreamRetryFeature
{
    /// <summary>Set while a 401 may still be retried: the body is replayable and no retry happened yet.</summary>
    public static readonly UpstreamRetryFeature Armed = new();

    /// <summary>Set by the response transform when it held back an upstream 401 so the request can be retried.</summary>
    public static readonly UpstreamRetryFeature Requested = new();

    private UpstreamRetryFeature()
    {
    }
}
