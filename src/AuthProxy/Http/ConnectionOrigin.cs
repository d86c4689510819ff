using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AuthProxy.Http;

/// <summary>
/// The TCP connection's own addresses, captured when Kestrel accepts it. Unlike <see cref="ConnectionInfo"/>, which the
/// forwarded-headers middleware rewrites from <c>X-Forwarded-For</c> (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>),
/// nothing a client sends can change it: decisions that must not be spoofable (admin endpoints) use this.
/// </summary>
internal sealed class ConnectionOrigin(EndPoint? remote, EndPoint? local)
{
    /// <summary>Where the connection comes from.</summary>
    public EndPoint? Remote { get; } = remote;

    /// <summary>Where it was accepted.</summary>
    public EndPoint? Local { get; } = local;

    /// <summary>True when both ends are this host: loopback addresses, or a Unix domain socket.</summary>
    public bool IsLoopback => IsLocal(Remote) && IsLocal(Local);

    /// <summary>Makes every Kestrel listener record the origin of each connection it accepts.</summary>
    public static void Capture(KestrelServerOptions kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => connection =>
        {
            connection.Features.Set(new ConnectionOrigin(connection.RemoteEndPoint, connection.LocalEndPoint));
            return next(connection);
        }));
    }

    /// <summary>The origin of the request's connection; null when the server records none (not Kestrel).</summary>
    public static ConnectionOrigin? Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ConnectionOrigin>();
    }

    private static bool IsLocal(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => IPAddress.IsLoopback(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address),
        System.Net.Sockets.UnixDomainSocketEndPoint => true,
        _ => false,
    };
}
