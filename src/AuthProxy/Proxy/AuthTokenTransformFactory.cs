using System.Globalization;
using AuthProxy.Tokens;
using Yarp.ReverseProxy.Transforms.Builder;

namespace AuthProxy.Proxy;

/// <summary>
/// Claims the custom <c>{ "AuthToken": "&lt;provider&gt;", "RetryBodyLimit": "65536" }</c> route transform:
/// validates the provider name and adds the request transform that injects the credential.
/// </summary>
internal sealed class AuthTokenTransformFactory : ITransformFactory
{
    internal const string AuthTokenKey = "AuthToken";
    internal const string RetryBodyLimitKey = "RetryBodyLimit";

    private readonly ITokenProviderCatalog _catalog;
    private readonly AuthTokenRouteTable _routes;
    private readonly ClientProviderMaps? _maps;

    public AuthTokenTransformFactory(ITokenProviderCatalog catalog, AuthTokenRouteTable routes, ClientProviderMaps? maps = null)
    {
        _catalog = catalog;
        _routes = routes;
        _maps = maps;
    }

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(AuthTokenKey, out var provider))
        {
            return false;
        }

        var routeId = context.Route.RouteId;
        var index = IndexOf(context.Route.Transforms, transformValues);
        var path = $"ReverseProxy:Routes:{routeId}:Transforms:{index}";
        if (string.IsNullOrWhiteSpace(provider))
        {
            context.Errors.Add(new ArgumentException($"{path}:AuthToken: route '{routeId}' names no token provider."));
        }
        else if (!_catalog.Contains(provider))
        {
            var known = string.Join(", ", _catalog.Names.Order(StringComparer.OrdinalIgnoreCase));
            context.Errors.Add(new ArgumentException(
                $"{path}:AuthToken: route '{routeId}' names unknown token provider '{provider}' (configured: {(known.Length == 0 ? "none" : known)})."));
        }

        foreach (var key in transformValues.Keys)
        {
            if (key.Equals(AuthTokenKey, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!key.Equals(RetryBodyLimitKey, StringComparison.OrdinalIgnoreCase))
            {
                context.Errors.Add(new ArgumentException(
                    $"{path}:{key}: route '{routeId}' has an unknown AuthToken option '{key}' (allowed: {RetryBodyLimitKey})."));
            }
            else if (!TryParseLimit(transformValues[key], out _))
            {
                context.Errors.Add(new ArgumentException(
                    $"{path}:{key}: route '{routeId}' has RetryBodyLimit '{transformValues[key]}'; expected a whole number of bytes " +
                    $"from 0 (no retry) to {AuthTokenRoute.MaxRetryBodyLimit} (16 MiB)."));
            }
        }

        return true;
    }

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(AuthTokenKey, out var provider))
        {
            return false;
        }

        var limit = transformValues.TryGetValue(RetryBodyLimitKey, out var text) && TryParseLimit(text, out var parsed)
            ? parsed
            : AuthTokenRoute.DefaultRetryBodyLimit;
        var route = new AuthTokenRoute(_catalog.GetSlot(provider), limit, context.Route.RouteId);
        _routes.Set(context.Route, route);
        context.RequestTransforms.Add(new AuthTokenRequestTransform(route.Slot, _catalog, _maps));
        context.ResponseTransforms.Add(new UnauthorizedResponseTransform(route));
        return true;
    }

    /// <summary>A whole number of bytes, at most 16 MiB (README "How tokens behave").</summary>
    internal static bool TryParseLimit(string? value, out long limit) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit <= AuthTokenRoute.MaxRetryBodyLimit;

    private static int IndexOf(IReadOnlyList<IReadOnlyDictionary<string, string>>? transforms, IReadOnlyDictionary<string, string> values)
    {
        for (var i = 0; transforms is not null && i < transforms.Count; i++)
        {
            if (ReferenceEquals(transforms[i], values))
            {
                return i;
            }
        }

        return 0;
    }
}
