using AuthProxy.Http;
using AuthProxy.Tokens;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace AuthProxy.Proxy;

/// <summary>
/// Replaces the request's <c>Authorization</c> header with the provider's credential — the route's provider, or the inbound
/// client's own where its <see cref="ClientProviderMap"/> maps the route's (README "One IBM identity per application"). On a cached token
/// this completes synchronously and allocates nothing beyond the header entry. When no token can be had
/// it writes a <c>problem+json</c> answer, which makes YARP skip forwarding.
/// </summary>
internal sealed class AuthTokenRequestTransform : RequestTransform
{
    private readonly TokenProviderSlot _slot;
    private readonly ITokenProviderCatalog? _catalog;
    private readonly ClientProviderMaps? _maps;

    /// <param name="slot">The route's provider.</param>
    /// <param name="catalog">Where a client's own provider (README "One IBM identity per application") is found.</param>
    /// <param name="maps">Whether any client has its own providers; without it, or with none, the route's provider is always used.</param>
    public AuthTokenRequestTransform(TokenProviderSlot slot, ITokenProviderCatalog? catalog = null, ClientProviderMaps? maps = null)
    {
        _slot = slot;
        _catalog = catalog;
        _maps = maps;
    }

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        var slot = _slot;

        // One volatile read when no client has its own providers, the usual set-up.
        if (_maps is { Any: true } && _catalog is not null && ClientProviderMap.Of(context.HttpContext) is { } map &&
            map.TryMap(slot.Name, out var mapped))
        {
            slot = _catalog.GetSlot(mapped);
        }

        var cache = slot.Cache;
        if (cache is null)
        {
            // The provider vanished in a configuration change while this route's old config was still in use.
            return new ValueTask(WriteMissingProviderAsync(context, slot.Name));
        }

        var state = AuthTokenRequestState.Of(context.HttpContext);
        if (state.Attempts++ == 0)
        {
            // Read before asking for a token: a token that differs from this one was obtained after the request began.
            state.StartTick = Environment.TickCount64;
            state.CurrentAtStart = cache.Current;
        }

        state.Token = null;
        state.Cache = cache;
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

    private static Task WriteMissingProviderAsync(RequestTransformContext context, string provider) =>
        ProblemResponse.WriteAsync(context.HttpContext, StatusCodes.Status502BadGateway, $"Token provider '{provider}' is not configured",
            $"The request needs token provider '{provider}', which the current configuration does not define.", provider: provider);
}
