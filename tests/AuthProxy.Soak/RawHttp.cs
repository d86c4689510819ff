using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AuthProxy.Soak;

/// <summary>Exact bytes over a TCP socket, for requests HttpClient would refuse or normalise (bad framing, dot segments).</summary>
internal static class RawHttp
{
    /// <summary>The answer to raw bytes: the status (0 when the server closed without one) and the head of the response.</summary>
    public sealed record Reply(int Status, string Head, bool Closed);

    /// <summary>Sends <paramref name="request"/>, then reads until the server closes or <paramref name="timeout"/> passes.</summary>
    /// <param name="port">Proxy port on 127.0.0.1.</param>
    /// <param name="request">The bytes to send.</param>
    /// <param name="shutdownSend">Close the sending side after the bytes (a body cut off mid-way).</param>
    /// <param name="timeout">How long to wait for the answer.</param>
    public static async Task<Reply> SendAsync(int port, byte[] request, bool shutdownSend = false, TimeSpan? timeout = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        var received = new MemoryStream();
        var closed = false;
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
            try
            {
                await socket.SendAsync(request, SocketFlags.None, cts.Token);
                if (shutdownSend)
                {
                    socket.Shutdown(SocketShutdown.Send);
                }
            }
            catch (SocketException)
            {
                // The server may refuse the rest of an oversized request and close: read what it answered.
            }

            var buffer = new byte[16 * 1024];
            while (received.Length < 256 * 1024)
            {
                int read;
                try
                {
                    read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                }
                catch (SocketException)
                {
                    closed = true;
                    break;
                }

                if (read == 0)
                {
                    closed = true;
                    break;
                }

                received.Write(buffer, 0, read);
                if (IsComplete(received))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        var text = Encoding.Latin1.GetString(received.ToArray());
        var status = 0;
        if (text.StartsWith("HTTP/1.", StringComparison.Ordinal) && text.Length >= 12)
        {
            _ = int.TryParse(text.AsSpan(9, 3), out status);
        }

        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return new Reply(status, headEnd < 0 ? text : text[..headEnd], closed);
    }

    public static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary>A whole response has arrived (head plus Content-Length body, or a final chunk).</summary>
    private static bool IsComplete(MemoryStream received)
    {
        var text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0)
        {
            return false;
        }

        foreach (var line in text[..headEnd].Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase) &&
                int.TryParse(line["Content-Length:".Length..].Trim(), out var length))
            {
                return text.Length - (headEnd + 4) >= length;
            }
        }

        return text.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
    }
}
