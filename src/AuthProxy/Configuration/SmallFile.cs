using System.Text;

namespace AuthProxy.Configuration;

/// <summary>What reading a small file (a key, a password, a token) gave.</summary>
internal enum SmallFileOutcome
{
    Read,
    Missing,
    NotRegular,
    TooLarge,
    Unreadable,
    Empty,
}

/// <summary>
/// Reads a secret or key file: regular files only (a link to <c>/dev/zero</c> or a FIFO is refused, not read forever),
/// at most a given size, UTF-8, surrounding white space (a trailing newline) trimmed.
/// </summary>
internal static class SmallFile
{
    public static SmallFileOutcome TryReadTrimmed(string path, long maxBytes, out string text, out FileStamp stamp)
    {
        text = "";
        if (!FileStamp.TryGet(path, out stamp))
        {
            return File.Exists(path) ? SmallFileOutcome.Unreadable : SmallFileOutcome.Missing;
        }

        if (stamp.Kind is FileKind.Directory or FileKind.Special)
        {
            return SmallFileOutcome.NotRegular;
        }

        if (stamp.Size > maxBytes)
        {
            return SmallFileOutcome.TooLarge;
        }

        try
        {
            text = Encoding.UTF8.GetString(ConfigFile.ReadAtMost(path, maxBytes)).Trim();
        }
        catch (ConfigFile.FileTooLargeException)
        {
            return SmallFileOutcome.TooLarge;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return SmallFileOutcome.Missing;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return SmallFileOutcome.Unreadable;
        }

        return text.Length == 0 ? SmallFileOutcome.Empty : SmallFileOutcome.Read;
    }

    /// <summary>"does not exist", "is not a regular file", … for the outcome (never the file's name or content).</summary>
    public static string Describe(SmallFileOutcome outcome, long maxBytes) => outcome switch
    {
        SmallFileOutcome.Missing => "does not exist",
        SmallFileOutcome.NotRegular => "is not a regular file",
        SmallFileOutcome.TooLarge => $"is larger than {maxBytes / 1024} KiB",
        SmallFileOutcome.Unreadable => "cannot be read",
        SmallFileOutcome.Empty => "is empty",
        _ => "was read",
    };
}
