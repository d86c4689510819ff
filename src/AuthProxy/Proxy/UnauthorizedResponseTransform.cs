using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace AuthProxy.Proxy;

/// <summary>
/// Reacts to an upstream <c>401</c> on an <c>AuthToken</c> route: drops the credential that was sent (if it is
/// still the cached one), and, when the request can be replayed, holds the 401 back so the middleware retries.
/// </summary>
internal sealed class UnauthorizedResponseTransform(AuthTokenRoute route) : ResponseTransform
{
    public override ValueTask ApplyAsync(ResponseTransformContext context)
    {
        if (context.ProxyResponse?.StatusCode != System.Net.HttpStatusCode.Unauthorized)
        {
            if (context.ProxyResponse is not null)
            {
                route.Slot.Cache?.MarkCurrentAccepted();
            }

            return default;
        }

        if (route.Slot.Cache is { } cache &&
            context.ProxyResponse.RequestMessage?.Headers.TryGetValues(HeaderNames.Authorization, out var sent) == true)
        {
            foreach (var value in sent)
            {
                cache.InvalidateRejected(value);
            }
        }

        var features = context.HttpContext.Features;
        if (features.Get<UpstreamRetryFeature>() == UpstreamRetryFeature.Armed)
        {
            features.Set(UpstreamRetryFeature.Requested);
            context.SuppressResponseBody = true;
        }

        return default;
    }
}
