using AuthProxy.Tokens;

namespace AuthProxy.Proxy;

/// <summary>What the proxy pipeline needs to know about a route that carries an <c>AuthToken</c> transform.</summary>
/// <param name="Slot">The provider whose credential the route carries.</param>
/// <param name="RetryBodyLimit">Largest request body buffered for a retry after an upstream 401; 0 disables the retry.</param>
internal sealed record AuthTokenRoute(TokenProviderSlot Slot, long RetryBodyLimit)
{
    /// <summary>Default retry buffer: 64 KiB (CONTRACT §3.4).</summary>
    public const long DefaultRetryBodyLimit = 64 * 1024;
}
