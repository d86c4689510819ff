using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AuthProxy.Sandbox.Redis;

/// <summary>
/// A real <c>redis-server</c> (Debian's package) for the tests and the soak: on a free 127.0.0.1 port, in a temp folder,
/// with no persistence (a restart starts empty, as a flushed or replaced Redis does), stopped by its PID. Commands go over
/// a fresh connection each (a few lines of RESP, enough for what tests inspect and the faults they inject).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _directory;
    private Process? _process;

    private RedisServer(int port, string directory)
    {
        Port = port;
        _directory = directory;
    }

    /// <summary>The redis-server executable, from PATH.</summary>
    public static string? Executable { get; } = FindExecutable();

    /// <summary>True when redis-server is installed (.ci/run installs it: <c>apt-get install redis-server</c>).</summary>
    public static bool IsInstalled => Executable is not null;

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The process id while it runs.</summary>
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server on a free port and waits until it answers PING.</summary>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        if (Executable is null)
        {
            throw new InvalidOperationException("redis-server is not installed (apt-get install redis-server)");
        }

        var directory = Path.Combine(Path.GetTempPath(), "authproxy-redis", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var server = new RedisServer(FreePort(), directory);
        try
        {
            await server.StartProcessAsync(cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Kills the server at once (SIGKILL), as a crash or an OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }

                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts the server again on the same port, empty.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync();
        await StartProcessAsync(cancellationToken);
    }

    /// <summary>Runs one command and returns its reply: a string, a long, a byte array for bulk strings, an array, or null.</summary>
    public async Task<object?> ExecuteAsync(params object[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
        var stream = client.GetStream();
        var request = new MemoryStream();
        Write(request, $"*{arguments.Length}\r\n");
        foreach (var argument in arguments)
        {
            var bytes = argument switch
            {
                byte[] raw => raw,
                IFormattable f => Encoding.UTF8.GetBytes(f.ToString(null, CultureInfo.InvariantCulture)),
                _ => Encoding.UTF8.GetBytes(argument.ToString() ?? ""),
            };
            Write(request, $"${bytes.Length}\r\n");
            request.Write(bytes);
            Write(request, "\r\n");
        }

        await stream.WriteAsync(request.ToArray(), timeout.Token);
        var reader = new RespReader(stream);
        return await reader.ReadAsync(timeout.Token);
    }

    /// <summary>The value of a key as bytes, or null.</summary>
    public async Task<byte[]?> GetAsync(string key) => await ExecuteAsync("GET", key) as byte[];

    /// <summary>The keys matching a glob pattern.</summary>
    public async Task<IReadOnlyList<string>> KeysAsync(string pattern) =>
        (await ExecuteAsync("KEYS", pattern) as object?[] ?? []).OfType<byte[]>().Select(b => Encoding.UTF8.GetString(b)).Order(StringComparer.Ordinal).ToList();

    /// <summary>Blocks the whole server for <paramref name="duration"/> (DEBUG SLEEP): every client's commands wait, as on a slow Redis.</summary>
    public Task<object?> SleepAsync(TimeSpan duration) =>
        ExecuteAsync("DEBUG", "SLEEP", duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Executable!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (var argument in new[]
        {
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "yes",
            "--save", "", "--appendonly", "no", "--dir", _directory, "--daemonize", "no", "--enable-debug-command", "local",
            "--loglevel", "warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {process.ExitCode} on port {Port}");
            }

            try
            {
                if (await ExecuteAsync("PING") is "PONG")
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }
            catch (IOException)
            {
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new InvalidOperationException($"redis-server did not answer on port {Port} within 15 s");
    }

    private static void Write(Stream stream, string text) => stream.Write(Encoding.ASCII.GetBytes(text));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindExecutable()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin", "/usr/sbin"]))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Reads one RESP2 reply.</summary>
    private sealed class RespReader(Stream stream)
    {
        private readonly byte[] _one = new byte[1];

        public async Task<object?> ReadAsync(CancellationToken cancellationToken)
        {
            var line = await ReadLineAsync(cancellationToken);
            var body = line[1..];
            switch (line[0])
            {
                case '+':
                    return body;
                case '-':
                    throw new InvalidOperationException("redis: " + body);
                case ':':
                    return long.Parse(body, CultureInfo.InvariantCulture);
                case '$':
                    var length = int.Parse(body, CultureInfo.InvariantCulture);
                    if (length < 0)
                    {
                        return null;
                    }

                    var bytes = new byte[length + 2];
                    await stream.ReadExactlyAsync(bytes, cancellationToken);
                    return bytes[..length];
                case '*':
                    var count = int.Parse(body, CultureInfo.InvariantCulture);
                    if (count < 0)
                    {
                        return null;
                    }

                    var items = new object?[count];
                    for (var i = 0; i < count; i++)
                    {
                        items[i] = await ReadAsync(cancellationToken);
                    }

                    return items;
                default:
                    throw new InvalidOperationException($"redis: unexpected reply '{line}'");
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            var text = new StringBuilder();
            while (true)
            {
                await stream.ReadExactlyAsync(_one, cancellationToken);
                if (_one[0] == '\r')
                {
                    await stream.ReadExactlyAsync(_one, cancellationToken);
                    return text.ToString();
                }

                text.Append((char)_one[0]);
            }
        }
    }
}
