using AuthProxy.Http;
using AuthProxy.Tokens;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace AuthProxy.Proxy;

/// <summary>
/// Replaces the request's <c>Authorization</c> header with the provider's credential. On a cached token
/// this completes synchronously and allocates nothing beyond the header entry. When no token can be had
/// it writes a <c>problem+json</c> answer, which makes YARP skip forwarding.
/// </summary>
internal sealed class AuthTokenRequestTransform : RequestTransform
{
    private readonly TokenProviderSlot _slot;

    public AuthTokenRequestTransform(TokenProviderSlot slot) => _slot = slot;

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        var cache = _slot.Cache;
        if (cache is null)
        {
            // The provider vanished in a configuration change while this route's old config was still in use.
            return new ValueTask(WriteMissingProviderAsync(context));
        }

        var state = AuthTokenRequestState.Of(context.HttpContext);
        if (state.Attempts++ == 0)
        {
            // Read before asking for a token: a token that differs from this one was obtained after the request began.
            state.StartTick = Environment.TickCount64;
            state.CurrentAtStart = cache.Current;
        }

        state.Token = null;
        var pending = cache.GetAsync(context.HttpContext.RequestAborted);
        if (pending.IsCompletedSuccessfully)
        {
            return Apply(context, cache, state, pending.Result);
        }

        return AwaitAndApplyAsync(context, cache, state, pending);
    }

    private static async ValueTask AwaitAndApplyAsync(RequestTransformContext context, TokenCache cache, AuthTokenRequestState state,
        ValueTask<TokenResult> pending)
    {
        TokenResult result;
        try
        {
            result = await pending;
        }
        catch (OperationCanceledException) when (context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // The client gave up while the token was being fetched: answer nothing, forward nothing.
            context.HttpContext.Response.StatusCode = 499;
            return;
        }

        await Apply(context, cache, state, result);
    }

    private static ValueTask Apply(RequestTransformContext context, TokenCache cache, AuthTokenRequestState state, in TokenResult result)
    {
        if (result.Succeeded)
        {
            state.Token = result.Token;
            var headers = context.ProxyRequest.Headers;
            headers.Remove(HeaderNames.Authorization);
            headers.TryAddWithoutValidation(HeaderNames.Authorization, result.Token.HeaderValue);
            return default;
        }

        var failure = result.Failure;
        var title = failure.Kind switch
        {
            TokenFailureKind.TimedOut => $"Token provider '{cache.Name}' timed out",
            TokenFailureKind.BackingOff => $"Token provider '{cache.Name}' is temporarily unavailable",
            _ => $"Token provider '{cache.Name}' failed",
        };
        return new ValueTask(ProblemResponse.WriteAsync(context.HttpContext, failure.StatusCode, title,
            $"No credential could be obtained from token provider '{cache.Name}': {failure.Reason}.",
            failure.Kind == TokenFailureKind.BackingOff ? failure.RetryAfter : null, cache.Name));
    }

    private Task WriteMissingProviderAsync(RequestTransformContext context) =>
        ProblemResponse.WriteAsync(context.HttpContext, StatusCodes.Status502BadGateway, $"Token provider '{_slot.Name}' is not configured",
            $"The route names token provider '{_slot.Name}', which the current configuration does not define.", provider: _slot.Name);
}
