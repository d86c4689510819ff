namespace AuthProxy.Tokens;

/// <summary>Why no token could be had; decides the status code the client gets.</summary>
public enum TokenFailureKind
{
    /// <summary>The token endpoint refused the credential or answered with an error or unreadable reply (502).</summary>
    Failed,

    /// <summary>The token endpoint did not answer within the provider's <c>Timeout</c> (504).</summary>
    TimedOut,

    /// <summary>A recent failure put the provider in backoff; no request was sent (503 with <c>Retry-After</c>).</summary>
    BackingOff,
}
