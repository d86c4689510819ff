using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace AuthProxy.Hosting;

/// <summary>
/// Recognises a listener that cannot be bound (port in use, no permission, an address this host does not have) and
/// says so in one line with what to do, instead of the host's stack trace.
/// </summary>
internal static class ListenerFailure
{
    /// <summary>The one-line explanation, or null when <paramref name="exception"/> is not a bind failure.</summary>
    public static string? Describe(Exception exception, string listeners)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AddressInUseException:
                    return $"cannot listen on {Address(exception, listeners)}: the address is already in use by another process; " +
                           "stop that process or choose another listener (--urls http://127.0.0.1:PORT)";
                case SocketException { SocketErrorCode: SocketError.AccessDenied }:
                    return $"cannot listen on {Address(exception, listeners)}: permission denied (ports below 1024 need privileges); " +
                           "choose a port above 1024 (--urls http://127.0.0.1:8080)";
                case SocketException { SocketErrorCode: SocketError.AddressNotAvailable }:
                    return $"cannot listen on {Address(exception, listeners)}: this host has no such address; " +
                           "listen on one of its own addresses (e.g. --urls http://127.0.0.1:8080)";
                case SocketException socket when Address(exception, "") != "the configured listener":
                    return $"cannot listen on {Address(exception, listeners)}: {socket.SocketErrorCode}";
            }
        }

        return null;
    }

    /// <summary>True for the exceptions <see cref="Describe"/> explains.</summary>
    public static bool IsBindFailure(Exception exception) => Describe(exception, "") is not null;

    private static string Address(Exception exception, string listeners)
    {
        // Kestrel names the address in its message: "Failed to bind to address http://127.0.0.1:8080: address already in use."
        const string Prefix = "Failed to bind to address ";
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var message = e.Message;
            var start = message.IndexOf(Prefix, StringComparison.Ordinal);
            if (start >= 0)
            {
                var rest = message[(start + Prefix.Length)..];
                var end = rest.IndexOf(": ", StringComparison.Ordinal);
                return end > 0 ? rest[..end] : rest.TrimEnd('.');
            }
        }

        return string.IsNullOrEmpty(listeners) ? "the configured listener" : listeners;
    }
}
