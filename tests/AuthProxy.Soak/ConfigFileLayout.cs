using System.Globalization;
using System.Runtime.InteropServices;

namespace AuthProxy.Soak;

/// <summary>How an edit reaches the watched file (docs/operations.md, "Live reload" names all three).</summary>
internal enum WriteMode
{
    /// <summary>Truncate and rewrite the file itself: the proxy may read it half-written.</summary>
    InPlace,

    /// <summary>Write a temp file next to it and rename it over the file.</summary>
    AtomicRename,

    /// <summary>Kubernetes ConfigMap style: a new timestamped folder, then the <c>..data</c> symlink is swapped to it.</summary>
    SymlinkSwap,
}

/// <summary>
/// The watched config file laid out as Kubernetes mounts a ConfigMap: <c>authproxy.json → ..data/authproxy.json</c>,
/// <c>..data → ..v0001</c>. Supports the three ways an edit can arrive.
/// </summary>
internal sealed class ConfigFileLayout
{
    private const string FileName = "authproxy.json";
    private readonly string _directory;
    private int _version;

    public ConfigFileLayout(string directory, byte[] initial)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        var first = NewVersionDirectory(initial);
        File.CreateSymbolicLink(System.IO.Path.Combine(directory, "..data"), System.IO.Path.GetFileName(first));
        File.CreateSymbolicLink(Path, System.IO.Path.Combine("..data", FileName));
    }

    /// <summary>The path the proxy is given (a symlink, as in a ConfigMap volume).</summary>
    public string Path => System.IO.Path.Combine(_directory, FileName);

    public void Write(byte[] content, WriteMode mode)
    {
        switch (mode)
        {
            case WriteMode.InPlace:
                using (var stream = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
                {
                    // Two writes with a pause between, so the proxy's poller can catch the file half-written.
                    var half = content.Length / 2;
                    stream.Write(content, 0, half);
                    stream.Flush();
                    Thread.Sleep(20);
                    stream.Write(content, half, content.Length - half);
                }

                break;

            case WriteMode.AtomicRename:
                var data = System.IO.Path.Combine(_directory, "..data");
                var temp = System.IO.Path.Combine(data, "." + FileName + ".tmp");
                File.WriteAllBytes(temp, content);
                Rename(temp, System.IO.Path.Combine(data, FileName));
                break;

            default:
                var link = System.IO.Path.Combine(_directory, "..data");
                var old = new FileInfo(link).LinkTarget;
                var next = NewVersionDirectory(content);
                var tempLink = System.IO.Path.Combine(_directory, "..data_tmp");
                File.Delete(tempLink);
                File.CreateSymbolicLink(tempLink, System.IO.Path.GetFileName(next));
                Rename(tempLink, link);
                if (old is not null)
                {
                    try
                    {
                        Directory.Delete(System.IO.Path.Combine(_directory, old), recursive: true);
                    }
                    catch (IOException)
                    {
                    }
                }

                break;
        }
    }

    private string NewVersionDirectory(byte[] content)
    {
        var directory = System.IO.Path.Combine(_directory, "..v" + (++_version).ToString("D4", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(System.IO.Path.Combine(directory, FileName), content);
        return directory;
    }

    /// <summary>rename(2): atomic, and replaces a symlink itself rather than what it points to.</summary>
    private static void Rename(string from, string to)
    {
        if (RenameNative(from, to) != 0)
        {
            throw new IOException($"rename {from} -> {to} failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code enabled for one call
    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameNative(string from, string to);
#pragma warning restore SYSLIB1054
}
