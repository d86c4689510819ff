using System.Net;

namespace AuthProxy.Admin;

/// <summary>
/// The <c>Admin</c> section: where the admin endpoints (status, dashboard) are served. By default on every listener,
/// to loopback callers only; with <c>Admin:Urls</c> on those loopback listeners alone (as Envoy's admin port), which
/// then serve nothing else.
/// </summary>
internal sealed class AdminOptions
{
    /// <summary>No dedicated admin listener.</summary>
    public static readonly AdminOptions Default = new([]);

    public AdminOptions(IReadOnlyList<AdminListener> listeners) => Listeners = listeners;

    /// <summary>The dedicated admin listeners (<c>Admin:Urls</c>); empty when the admin endpoints share the proxy's listeners.</summary>
    public IReadOnlyList<AdminListener> Listeners { get; }

    /// <summary>True when <c>Admin:Urls</c> names dedicated listeners.</summary>
    public bool HasDedicatedListeners => Listeners.Count > 0;

    /// <summary>True when a connection accepted at <paramref name="local"/> is on a dedicated admin listener.</summary>
    public bool IsAdminListener(EndPoint? local) =>
        local is IPEndPoint ip && Listeners.Any(l => l.Matches(ip));
}

/// <summary>One dedicated admin listener: a loopback URL with a fixed port.</summary>
/// <param name="Url">The URL as configured.</param>
/// <param name="Address">The address, or null for <c>localhost</c> (any loopback address).</param>
/// <param name="Port">The port.</param>
internal sealed record AdminListener(string Url, IPAddress? Address, int Port)
{
    public bool Matches(IPEndPoint local)
    {
        var address = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
        return local.Port == Port && (Address is null ? IPAddress.IsLoopback(address) : Address.Equals(address));
    }
}
