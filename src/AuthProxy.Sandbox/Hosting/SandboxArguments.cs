using System.Globalization;
using System.Net;

namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// The sandbox runner's own arguments (<c>--emulators-only</c>, <c>--iam-port</c>, <c>--keyprotect-port</c>,
/// <c>--cloudpak-port</c>, <c>--sklm-port</c>, <c>--grep11-port</c>, <c>--grpc-port</c>, <c>--help</c>); everything else
/// is passed to the proxy.
/// </summary>
internal sealed class SandboxArguments
{
    public const string Usage = """
        Usage: dotnet run --project src/AuthProxy.Sandbox -- [sandbox options] [proxy arguments]

        Starts local emulators of IBM IAM, Key Protect, Cloud Pak for Data, SKLM and HPCS GREP11, then AuthProxy
        in-process (default configuration config/authproxy.json, listeners http://127.0.0.1:8080 for HTTP/1.1 and
        http://127.0.0.1:8081 for gRPC over HTTP/2).
        Usage: dotnet run --project src/AuthProxy.Sandbox -- grpc-call --help   (a gRPC call through the proxy)

        Sandbox options:
          --emulators-only       start only the emulators (for a proxy run as a separate process)
          --iam-port N           IAM emulator port (default 8091)
          --keyprotect-port N    Key Protect emulator port (default 8092)
          --cloudpak-port N      Cloud Pak emulator port (default 8093)
          --sklm-port N          SKLM emulator port (default 8094)
          --grep11-port N        GREP11 emulator port (default 8095)
          --grpc-port N          the proxy's HTTP/2 (h2c) listener for gRPC (default 8081)
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

    /// <summary>The port of the proxy's h2c listener for gRPC.</summary>
    public int GrpcPort { get; private set; } = SandboxDefaults.ProxyGrpcPort;

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
                case "--grep11-port":
                    parsed.Emulators.Grep11Port = ReadPort(args, ref i, name, inlineValue, ref error);
                    break;
                case "--grpc-port":
                    parsed.GrpcPort = ReadPort(args, ref i, name, inlineValue, ref error);
                    if (parsed.GrpcPort == 0 && error is null)
                    {
                        error = "--grpc-port needs a port number from 1 to 65535 (the printed gRPC command names it)";
                    }

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
