using System.Globalization;

namespace AuthProxy.Soak;

/// <summary>
/// Which process holds the client end of a loopback TCP connection, from <c>/proc/net/tcp{,6}</c> (local port → socket
/// inode) and <c>/proc/PID/fd</c> (inode → process). Lets the emulators tell which replica sent a token request: the
/// replicas share one configuration, so nothing in the request itself says.
/// </summary>
internal static class SocketOwner
{
    /// <summary>The index in <paramref name="pids"/> of the process with a socket bound to local port <paramref name="port"/>, or null.</summary>
    public static int? Find(int port, IReadOnlyList<int?> pids)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        var hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            try
            {
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length > 9 && fields[1].EndsWith(hexPort, StringComparison.Ordinal))
                    {
                        inodes.Add("socket:[" + fields[9] + "]");
                    }
                }
            }
            catch (IOException)
            {
            }
        }

        if (inodes.Count == 0)
        {
            return null;
        }

        for (var i = 0; i < pids.Count; i++)
        {
            if (pids[i] is not { } pid)
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target))
                    {
                        return i;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return null;
    }
}
