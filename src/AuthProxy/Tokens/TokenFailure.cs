namespace AuthProxy.Tokens;

/// <summary>
/// An expected failure to obtain a token: a value, not an exception. Its texts are built from
/// status codes and the endpoint's error codes, never from request content, so they hold no secret.
/// </summary>
/// <param name="Kind">The failure class, which decides the client's status code.</param>
/// <param name="Reason">One sentence for operators and clients (no secret).</param>
/// <param name="RetryAfter">How long the token endpoint asked us to wait, when it said so (429/503).</param>
public sealed record TokenFailure(TokenFailureKind Kind, string Reason, TimeSpan? RetryAfter = null)
{
    /// <summary>The HTTP status code a client receives for this failure.</summary>
    public int StatusCode => Kind switch
    {
        TokenFailureKind.TimedOut => StatusCodes.Status504GatewayTimeout,
        TokenFailureKind.BackingOff => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status502BadGateway,
    };
}
