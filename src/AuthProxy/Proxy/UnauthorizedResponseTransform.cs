using AuthProxy.Http;
using AuthProxy.Tokens;
using Yarp.ReverseProxy.Transforms;

namespace AuthProxy.Proxy;

/// <summary>
/// Weighs every upstream answer on an <c>AuthToken</c> route against the token the request sent (README "How tokens
/// behave"): a non-401 records where the token is accepted; a 401 is judged by <see cref="TokenCache.JudgeUnauthorized"/>
/// — a refusal of the request goes to the client, otherwise the 401 is held back so the middleware retries. A gRPC
/// answer whose headers carry <c>grpc-status: 16</c> (a trailers-only <c>UNAUTHENTICATED</c>) is a 401 here (docs/protocols.md).
/// </summary>
internal sealed class UnauthorizedResponseTransform(AuthTokenRoute route) : ResponseTransform
{
    public override ValueTask ApplyAsync(ResponseTransformContext context)
    {
        if (context.ProxyResponse is not { } response ||
            context.HttpContext.Features.Get<AuthTokenRequestState>() is not { Token: { } token, Cache: { } cache } state)
        {
            return default;
        }

        var resource = ResourceKey.Of(route.ResourceSeed, context.HttpContext.Request);
        if (response.StatusCode != System.Net.HttpStatusCode.Unauthorized && !GrpcWire.IsTrailersOnlyUnauthenticated(response))
        {
            cache.RecordAccepted(token, resource, state.StartTick);
            return default;
        }

        var first = state.Attempts == 1;
        if (!first && state.Verdict == UnauthorizedVerdict.Revoked)
        {
            cache.RevocationDisproved(); // a new token was refused too: the guess was wrong
        }

        // A gRPC call streams while it is forwarded: it may be replayed when it turns out complete within the buffer,
        // which the middleware decides once the forwarder has let go of the body.
        var replayable = state.Replayable || state.Recording is { Overflowed: false };
        var verdict = cache.JudgeUnauthorized(token, state.CurrentAtStart, state.StartTick, resource, canRetry: first && replayable);
        if (first)
        {
            state.Verdict = verdict;
            if (verdict != UnauthorizedVerdict.Refused && replayable)
            {
                state.RetryRequested = true;
                context.SuppressResponseBody = true;
            }
        }

        return default;
    }
}
