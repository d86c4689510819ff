using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace AuthProxy.Proxy;

/// <summary>
/// Names what a request asks the upstream for — route, method and path without query — as a 64-bit hash, so a 401 can
/// be weighed against where the same token was accepted (README "How tokens behave"). Hashes the strings the request
/// already holds; allocates nothing.
/// </summary>
internal static class ResourceKey
{
    public static long Seed(string routeId) => (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(routeId.AsSpan()));

    public static ulong Of(long routeSeed, HttpRequest request) => Of(routeSeed, request.Method, request.Path.Value);

    public static ulong Of(long routeSeed, string method, string? path)
    {
        var seed = routeSeed ^ (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(method.AsSpan()));
        var key = XxHash3.HashToUInt64(MemoryMarshal.AsBytes((path ?? "").AsSpan()), seed);

        // 0 marks an empty slot in the tables that hold these keys.
        return key == 0 ? 1 : key;
    }
}
