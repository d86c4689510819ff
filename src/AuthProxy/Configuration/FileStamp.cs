using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace AuthProxy.Configuration;

/// <summary>What kind of file system object a path leads to (after following symbolic links).</summary>
internal enum FileKind
{
    /// <summary>The kind could not be determined (no <c>stat</c> on this platform); treated as a regular file.</summary>
    Unknown,

    /// <summary>A regular file: the only kind a configuration or key file may be.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A device, FIFO or socket: reading one may never end (<c>/dev/zero</c>) or never start (a FIFO).</summary>
    Special,
}

/// <summary>
/// The identity and state of a file as <c>stat(2)</c> reports it, following symbolic links: device, inode, size,
/// modification time, kind and permission bits. Two equal stamps mean the file has not changed, so a watcher can
/// poll it cheaply and a rejected file is not read again until it does change. Opening a FIFO blocks and reading
/// <c>/dev/zero</c> never ends, which .NET's <see cref="FileInfo"/> cannot tell apart from an empty file.
/// </summary>
internal readonly partial record struct FileStamp(ulong Device, ulong Inode, long Size, long ModifiedSeconds, long ModifiedNanoseconds,
    FileKind Kind, UnixFileMode Mode)
{
    private const uint TypeMask = 0xF000;
    private const uint RegularType = 0x8000;
    private const uint DirectoryType = 0x4000;

    /// <summary>True when users other than the owner and group may write the file (a warning for configuration and keys).</summary>
    public bool IsWorldWritable => (Mode & UnixFileMode.OtherWrite) != 0;

    /// <summary>Reads the stamp of <paramref name="path"/>; false when it does not exist or cannot be examined.</summary>
    public static bool TryGet(string path, out FileStamp stamp)
    {
        stamp = default;
        var layout = StatLayout.Current;
        if (layout is null)
        {
            return TryGetPortable(path, out stamp);
        }

        Span<byte> buffer = stackalloc byte[256];
        buffer.Clear();
        int result;
        try
        {
            result = Stat(path, ref MemoryMarshal.GetReference(buffer));
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            StatLayout.Disable();
            return TryGetPortable(path, out stamp);
        }

        if (result != 0)
        {
            return false;
        }

        var mode = BinaryPrimitives.ReadUInt32LittleEndian(buffer[layout.Mode..]);
        var kind = (mode & TypeMask) switch
        {
            RegularType => FileKind.Regular,
            DirectoryType => FileKind.Directory,
            _ => FileKind.Special,
        };
        stamp = new FileStamp(
            BinaryPrimitives.ReadUInt64LittleEndian(buffer),
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[layout.Size..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[layout.ModifiedTime..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[(layout.ModifiedTime + 8)..]),
            kind,
            (UnixFileMode)(mode & 0xFFF));
        return true;
    }

    private static bool TryGetPortable(string path, out FileStamp stamp)
    {
        stamp = default;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return System.IO.Directory.Exists(path) && Set(out stamp, new FileStamp(0, 0, 0, 0, 0, FileKind.Directory, 0));
            }

            var ticks = info.LastWriteTimeUtc.Ticks;
            var mode = OperatingSystem.IsWindows() ? (UnixFileMode)0 : info.UnixFileMode;
            stamp = new FileStamp(0, 0, info.Length, ticks / TimeSpan.TicksPerSecond, ticks % TimeSpan.TicksPerSecond * 100, FileKind.Unknown, mode);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool Set(out FileStamp stamp, FileStamp value)
    {
        stamp = value;
        return true;
    }

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, ref byte buffer);

    /// <summary>Offsets in Linux's <c>struct stat</c>; only the 64-bit layouts this project ships on are known.</summary>
    private sealed record StatLayout(int Mode, int Size, int ModifiedTime)
    {
        private static StatLayout? _current = !OperatingSystem.IsLinux() ? null : RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => new StatLayout(Mode: 24, Size: 48, ModifiedTime: 88),
            Architecture.Arm64 => new StatLayout(Mode: 16, Size: 48, ModifiedTime: 88),
            _ => null,
        };

        public static StatLayout? Current => Volatile.Read(ref _current);

        public static void Disable() => Volatile.Write(ref _current, null);
    }
}
