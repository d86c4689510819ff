using AuthProxy.Tokens;

namespace AuthProxy.Proxy;

/// <summary>
/// What one request on an <c>AuthToken</c> route carries between <see cref="UpstreamRetryMiddleware"/>,
/// <see cref="AuthTokenRequestTransform"/> and <see cref="UnauthorizedResponseTransform"/>: the token it sent, when it
/// started and what an upstream 401 was judged to mean. Set as a request feature; the one allocation AuthProxy makes per
/// request (the sent token and the start are per-request facts, which no shared instance can hold; <c>HttpContext.Items</c>
/// would allocate a dictionary besides).
/// </summary>
internal sealed class AuthTokenRequestState
{
    /// <summary>The body is buffered (or there is none), so the request can be sent again.</summary>
    public bool Replayable { get; set; }

    /// <summary>A gRPC call's body, kept as it streams; replayable once complete within the buffer (null for other requests).</summary>
    public RecordingRequestStream? Recording { get; set; }

    /// <summary>How many times the request transform ran: 1 on the first attempt, 2 on the retry.</summary>
    public int Attempts { get; set; }

    /// <summary><see cref="Environment.TickCount64"/> when the first attempt asked for a token.</summary>
    public long StartTick { get; set; }

    /// <summary>The cached token (usable or not) when the first attempt asked for one.</summary>
    public AccessToken? CurrentAtStart { get; set; }

    /// <summary>The provider cache the request's token comes from: the route's, or the client's own (a per-client mapping).</summary>
    public TokenCache? Cache { get; set; }

    /// <summary>The token the current attempt sent; null when none could be had.</summary>
    public AccessToken? Token { get; set; }

    /// <summary>What the first attempt's 401 was judged to mean, if it got one.</summary>
    public UnauthorizedVerdict? Verdict { get; set; }

    /// <summary>Set by the response transform when it held back a 401 so the middleware retries.</summary>
    public bool RetryRequested { get; set; }

    /// <summary>The request's state, created when a transform runs without the middleware (as in unit tests).</summary>
    public static AuthTokenRequestState Of(HttpContext context)
    {
        var state = context.Features.Get<AuthTokenRequestState>();
        if (state is null)
        {
            state = new AuthTokenRequestState();
            context.Features.Set(state);
        }

        return state;
    }
}
