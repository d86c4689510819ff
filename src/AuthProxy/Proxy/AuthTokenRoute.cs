using AuthProxy.Tokens;

namespace AuthProxy.Proxy;

/// <summary>What the proxy pipeline needs to know about a route that carries an <c>AuthToken</c> transform.</summary>
/// <param name="Slot">The provider whose credential the route carries.</param>
/// <param name="RetryBodyLimit">Largest request body buffered for a retry after an upstream 401; 0 disables the retry.</param>
/// <param name="RouteId">The route's id, part of every resource key of the route.</param>
internal sealed record AuthTokenRoute(TokenProviderSlot Slot, long RetryBodyLimit, string RouteId = "")
{
    /// <summary>Default retry buffer: 64 KiB (docs/tokens.md).</summary>
    public const long DefaultRetryBodyLimit = 64 * 1024;

    /// <summary>Largest <c>RetryBodyLimit</c> a route may set: 16 MiB (docs/configuration.md).</summary>
    public const long MaxRetryBodyLimit = 16 * 1024 * 1024;

    /// <summary>Seeds the route's resource keys (<see cref="ResourceKey"/>), computed once per route.</summary>
    public long ResourceSeed { get; } = ResourceKey.Seed(RouteId);
}
