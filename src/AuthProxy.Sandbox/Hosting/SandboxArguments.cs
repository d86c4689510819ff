using System.Globalization;
using System.Net;

namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// The sandbox runner's own arguments (<c>--emulators-only</c>, <c>--iam-port</c>, <c>--keyprotect-port</c>,
/// <c>--cloudpak-port</c>, <c>--sklm-port</c>, <c>--help</c>); everything else is passed to the proxy.
/// </summary>
internal sealed class SandboxArguments
{
    public const string Usage = """
        Usage: dotnet run --project src/AuthProxy.Sandbox -- [sandbox options] [proxy arguments]

        Starts local emulators of IBM IAM, Key Protect, Cloud Pak for Data and SKLM, then AuthProxy in-process
        (default configuration config/authproxy.json, listener http://127.0.0.1:8080).

        Sandbox options:
          --emulators-only       start only the emulators (for a proxy run as a separate process)
          --iam-port N           IAM emulator port (default 8091)
          --keyprotect-port N    Key Protect emulator port (default 8092)
          --cloudpak-port N      Cloud Pak emulator port (default 8093)
          --sklm-port N          SKLM emulator port (default 8094)
          -h, --help             show this text
          --version              show the version
        Proxy arguments: --config PATH, --urls URL, --Section:Key VALUE (see AuthProxy --help).
        A port other than the default needs a configuration whose URLs name it.
        """;

    private SandboxArguments()
    {
    }

    public SandboxEmulatorsOptions Emulators { get; } = new();

    public bool EmulatorsOnly { get; private set; }

    public bool Help { get; private set; }

    public bool Version { get; private set; }

    /// <summary>The arguments meant for the proxy, in their original order.</summary>
    public IReadOnlyList<string> ProxyArgs { get; private set; } = [];

    /// <summary>Parses the arguments, or returns the reason they are wrong.</summary>
    public static SandboxArguments Parse(IReadOnlyList<string> args, out string? error)
    {
        var parsed = new SandboxArguments();
        var rest = new List<string>(args.Count);
        error = null;
        for (var i = 0; i < args.Count && error is null; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            switch (name)
            {
                case "--emulators-only":
                    parsed.EmulatorsOnly = true;
                    break;
                case "--help" or "-h" or "-?":
                    parsed.Help = true;
                    break;
                case "--version":
                    parsed.Version = true;
                    break;
                case "--iam-port":
                    parsed.Emulators.IamPort = ReadPort(args, ref i, name, inlineValue, ref error);
                    break;
                case "--keyprotect-port":
                    parsed.Emulators.KeyProtectPort = ReadPort(args, ref i, name, inlineValue, ref error);
                    break;
                case "--cloudpak-port":
                    parsed.Emulators.CloudPakPort = ReadPort(args, ref i, name, inlineValue, ref error);
                    break;
                case "--sklm-port":
                    parsed.Emulators.SklmPort = ReadPort(args, ref i, name, inlineValue, ref error);
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        parsed.ProxyArgs = rest;
        return parsed;
    }

    private static (string Name, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    private static int ReadPort(IReadOnlyList<string> args, ref int i, string name, string? inlineValue, ref string? error)
    {
        var text = inlineValue ?? (i + 1 < args.Count ? args[++i] : null);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= IPEndPoint.MaxPort)
        {
            return port;
        }

        error = $"{name} needs a port number from 0 to {IPEndPoint.MaxPort}, got '{text}'";
        return 0;
    }
}
