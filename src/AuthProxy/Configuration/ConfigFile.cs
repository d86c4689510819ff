using System.Security.Cryptography;

namespace AuthProxy.Configuration;

/// <summary>
/// Finds and reads the configuration file into flat configuration keys. Reads at most <see cref="MaxBytes"/>, from
/// regular files only (a symbolic link is followed to its target), so a runaway edit or a link to a device cannot
/// exhaust memory or block the reader.
/// </summary>
internal static class ConfigFile
{
    /// <summary>The file used when neither <c>--config</c> nor <c>AUTHPROXY_CONFIG</c> names one.</summary>
    public const string DefaultPath = "config/authproxy.json";

    /// <summary>The environment variable that names the configuration file.</summary>
    public const string PathVariable = "AUTHPROXY_CONFIG";

    /// <summary>Largest configuration file accepted; guards against a runaway edit.</summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    /// <summary>The full path of the configuration file: <paramref name="fromCommandLine"/>, else <c>AUTHPROXY_CONFIG</c>, else the default.</summary>
    public static string ResolvePath(string? fromCommandLine)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(PathVariable);
        var path = !string.IsNullOrWhiteSpace(fromCommandLine) ? fromCommandLine
            : !string.IsNullOrWhiteSpace(fromEnvironment) ? fromEnvironment
            : DefaultPath;
        return Path.GetFullPath(path);
    }

    /// <summary>Reads and parses the file. The content (or the problem) comes with the file's stamp at the time of reading.</summary>
    public static ConfigFileContent Read(string path)
    {
        if (!FileStamp.TryGet(path, out var stamp))
        {
            return ConfigFileContent.Failed(default, $"configuration file '{path}' does not exist");
        }

        if (Refuse(path, stamp) is { } refusal)
        {
            return ConfigFileContent.Failed(stamp, refusal);
        }

        byte[] bytes;
        try
        {
            bytes = ReadAtMost(path, MaxBytes);
        }
        catch (FileTooLargeException)
        {
            return ConfigFileContent.Failed(stamp, TooLarge(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ConfigFileContent.Failed(stamp, $"configuration file '{path}' cannot be read ({ex.GetType().Name})");
        }

        var hash = SHA256.HashData(bytes);
        return ConfigJson.TryFlatten(bytes, out var data, out var problem)
            ? new ConfigFileContent(data, stamp, hash, null)
            : new ConfigFileContent(null, stamp, hash, problem);
    }

    /// <summary>
    /// Reads a small file (a key, a certificate) of at most <paramref name="maxBytes"/>. Refuses directories and
    /// special files, and files that are or grow larger than the limit while being read.
    /// </summary>
    public static byte[] ReadAtMost(string path, long maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, maxBytes + 1 - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                throw new FileTooLargeException();
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Why a file with this stamp must not be read, or null.</summary>
    public static string? Refuse(string path, FileStamp stamp) => stamp.Kind switch
    {
        FileKind.Directory => $"configuration file '{path}' is a directory",
        FileKind.Special => $"configuration file '{path}' is not a regular file (a device, FIFO or socket)",
        _ when stamp.Size > MaxBytes => TooLarge(path),
        _ => null,
    };

    private static string TooLarge(string path) => $"configuration file '{path}' is larger than {MaxBytes / (1024 * 1024)} MiB";

    /// <summary>Thrown by <see cref="ReadAtMost"/> when the file holds more than the limit.</summary>
    public sealed class FileTooLargeException : IOException
    {
        public FileTooLargeException()
            : base("The file is larger than the limit.")
        {
        }

        public FileTooLargeException(string message)
            : base(message)
        {
        }

        public FileTooLargeException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}

/// <summary>What reading the configuration file gave: its flat keys, or the problem; and the file's stamp and content hash.</summary>
/// <param name="Data">The flat keys, when the file was read and parsed.</param>
/// <param name="Stamp">The file's stamp when it was read (default when it does not exist).</param>
/// <param name="Hash">SHA-256 of the bytes read, when any were.</param>
/// <param name="Problem">Why there is no data.</param>
internal sealed record ConfigFileContent(IReadOnlyDictionary<string, string?>? Data, FileStamp Stamp, byte[]? Hash, ConfigProblem? Problem)
{
    public static ConfigFileContent Failed(FileStamp stamp, string reason) => new(null, stamp, null, new ConfigProblem(ConfigProblem.FileLevel, reason));

    /// <summary>Never lists the keys' values (they include secrets).</summary>
    public override string ToString() => Problem is null ? $"ConfigFileContent({Data?.Count} keys)" : $"ConfigFileContent({Problem})";
}
