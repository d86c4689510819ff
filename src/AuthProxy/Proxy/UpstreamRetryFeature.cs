namespace AuthProxy.Proxy;

/// <summary>
/// Per-request state shared between <see cref="UpstreamRetryMiddleware"/> (which can replay the request) and
/// <see cref="UnauthorizedResponseTransform"/> (which sees the upstream's 401 and holds its body back).
/// </summary>
internal sealed class UpstreamRetryFeature
{
    /// <summary>True while a 401 may still be retried: the body is replayable and no retry happened yet.</summary>
    public bool CanRetry { get; set; }

    /// <summary>Set by the response transform when it suppressed an upstream 401 for a retry.</summary>
    public bool RetryRequested { get; set; }
}
