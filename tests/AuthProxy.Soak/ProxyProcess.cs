using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace AuthProxy.Soak;

/// <summary>
/// The real proxy as a separate process: <c>dotnet AuthProxy.dll --config … --urls http://127.0.0.1:PORT</c> with
/// Debug logging, its stdout and stderr captured to a file. Stopped by its PID (SIGTERM, then SIGKILL) however the
/// soak ends.
/// </summary>
internal sealed class ProxyProcess : IAsyncDisposable
{
    /// <summary>A log line written this much later than its timestamp means the proxy's logging is backed up.</summary>
    public static readonly TimeSpan LogLagThreshold = TimeSpan.FromSeconds(1);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<(DateTimeOffset Start, DateTimeOffset End)> _logStalls = [];
    private readonly Lock _lagGate = new();
    private DateTimeOffset? _lagSince;
    private Thread[] _pumps = [];
    private Task _fileWriter = Task.CompletedTask;
    private int _stopped;

    private readonly bool _appendLog;

    private ProxyProcess(Process process, string url, string logPath, bool appendLog)
    {
        _process = process;
        Url = url;
        LogPath = logPath;
        _appendLog = appendLog;
    }

    /// <summary>
    /// Windows in which the proxy's log lines arrived over <see cref="LogLagThreshold"/> after their own timestamps: its
    /// console logger was backed up, and a full logger queue blocks every request that logs.
    /// </summary>
    public IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)> LogStalls
    {
        get
        {
            lock (_lagGate)
            {
                return _lagSince is { } open ? [.. _logStalls, (open, DateTimeOffset.UtcNow)] : [.. _logStalls];
            }
        }
    }

    public string Url { get; }

    public int Pid => _process.Id;

    public string LogPath { get; }

    /// <summary>The exit code after <see cref="StopAsync"/>, when the process exited by itself after SIGTERM.</summary>
    public int? ExitCode { get; private set; }

    /// <summary>How long the graceful stop took, or null when it had to be killed.</summary>
    public TimeSpan? GracefulStop { get; private set; }

    /// <summary>Runs <c>dotnet publish src/AuthProxy -c Release -o <paramref name="outputDirectory"/></c> and returns the dll path.</summary>
    public static async Task<string> PublishAsync(string repositoryRoot, string outputDirectory, CancellationToken cancellationToken)
    {
        var project = Path.Combine(repositoryRoot, "src", "AuthProxy", "AuthProxy.csproj");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "publish", project, "-c", "Release", "-o", outputDirectory, "--nologo", "-v", "quiet" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet publish did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("dotnet publish took longer than 10 minutes");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }

        var dll = Path.Combine(outputDirectory, "AuthProxy.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"dotnet publish produced no {dll}");
    }

    /// <summary>
    /// Starts the proxy on <paramref name="port"/> (a free loopback port when null) and waits until <c>/readyz</c> answers 200.
    /// <paramref name="appendLog"/> continues an earlier incarnation's log file (a replica restarted on its port).
    /// </summary>
    public static async Task<ProxyProcess> StartAsync(string dll, string configPath, string logPath, CancellationToken cancellationToken,
        int? port = null, bool appendLog = false)
    {
        port ??= FreePort();
        var url = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--config", configPath, "--urls", url },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(configPath)!,
        };
        start.Environment["Logging__LogLevel__Default"] = "Debug";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        start.Environment["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var proxy = new ProxyProcess(process, url, logPath, appendLog);
        if (!process.Start())
        {
            throw new InvalidOperationException("the proxy process did not start");
        }

        Live.Register(process.Id);
        proxy.StartLogCapture();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                await proxy.DisposeAsync();
                throw new InvalidOperationException($"the proxy exited with {process.ExitCode} during start-up; see {logPath}");
            }

            try
            {
                using var ready = await client.GetAsync(url + "/readyz", cancellationToken);
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return proxy;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        await proxy.DisposeAsync();
        throw new InvalidOperationException($"the proxy was not ready within 60 s; see {logPath}");
    }

    public bool HasExited => _process.HasExited;

    /// <summary>RSS, open file descriptors and threads of the process, from /proc.</summary>
    public ProcessSample Sample(TimeSpan at) => ProcessSample.Read(_process.Id, at);

    /// <summary>SIGKILL at once (a crashed or OOM-killed replica), then waits for the exit and the log to be written.</summary>
    public async Task KillAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _ = Kill(_process.Id, SigKill);
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            await FinishCaptureAsync();
        }
    }

    /// <summary>SIGTERM, wait up to 10 s for a clean exit, then SIGKILL.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                var stopwatch = Stopwatch.StartNew();
                _ = Kill(_process.Id, SigTerm);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(wait.Token);
                    GracefulStop = stopwatch.Elapsed;
                    ExitCode = _process.ExitCode;
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None);
                }
            }
            else
            {
                ExitCode = _process.ExitCode;
            }
        }
        finally
        {
            await FinishCaptureAsync();
        }
    }

    private async Task FinishCaptureAsync()
    {
        Live.Unregister(_process.Id);
        foreach (var pump in _pumps)
        {
            pump.Join(TimeSpan.FromSeconds(10));
        }

        _lines.Writer.TryComplete();
        await _fileWriter;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    /// <summary>
    /// Reads stdout and stderr on dedicated threads into memory and writes the file from another task, so a slow disk
    /// never pushes back on the proxy (a blocked stdout blocks its console logger, and with it every request).
    /// </summary>
    private void StartLogCapture()
    {
        _pumps =
        [
            new Thread(() => Pump(_process.StandardOutput, "")) { IsBackground = true, Name = "proxy stdout" },
            new Thread(() => Pump(_process.StandardError, "[stderr] ")) { IsBackground = true, Name = "proxy stderr" },
        ];
        foreach (var pump in _pumps)
        {
            pump.Start();
        }

        _fileWriter = Task.Run(async () =>
        {
            await using var file = new StreamWriter(LogPath, _appendLog, System.Text.Encoding.UTF8, bufferSize: 1 << 20);
            await foreach (var line in _lines.Reader.ReadAllAsync())
            {
                await file.WriteLineAsync(line);
            }
        });
    }

    private void Pump(StreamReader reader, string prefix)
    {
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            TrackLag(line);
            _lines.Writer.TryWrite(prefix + line);
        }
    }

    /// <summary>Compares a line's "HH:mm:ss.fff " timestamp (UTC) with its arrival.</summary>
    private void TrackLag(string line)
    {
        if (line.Length < 13 || line[2] != ':' || line[8] != '.' ||
            !TimeOnly.TryParseExact(line.AsSpan(0, 12), "HH:mm:ss.fff", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        var stamped = new DateTimeOffset(DateOnly.FromDateTime(now.UtcDateTime), time, TimeSpan.Zero);
        if (stamped > now + TimeSpan.FromHours(12))
        {
            stamped -= TimeSpan.FromDays(1);
        }

        lock (_lagGate)
        {
            if (now - stamped > LogLagThreshold)
            {
                _lagSince ??= stamped;
            }
            else if (_lagSince is { } since)
            {
                _logStalls.Add((since, now));
                _lagSince = null;
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private const int SigTerm = 15;
    private const int SigKill = 9;

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code enabled for one call
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054

    /// <summary>PIDs still running, killed if the soak itself is interrupted.</summary>
    internal static class Live
    {
        private static readonly HashSet<int> Pids = [];

        static Live()
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
            Console.CancelKeyPress += (_, _) => KillAll();
        }

        public static void Register(int pid)
        {
            lock (Pids)
            {
                Pids.Add(pid);
            }
        }

        public static void Unregister(int pid)
        {
            lock (Pids)
            {
                Pids.Remove(pid);
            }
        }

        private static void KillAll()
        {
            lock (Pids)
            {
                foreach (var pid in Pids)
                {
                    try
                    {
                        Process.GetProcessById(pid).Kill(entireProcessTree: true);
                    }
                    catch (ArgumentException)
                    {
                    }
                    catch (InvalidOperationException)
                    {
                    }
                }

                Pids.Clear();
            }
        }
    }
}

/// <summary>One reading of the proxy's resources.</summary>
/// <param name="At">Offset into the load.</param>
/// <param name="RssMiB">Resident set size.</param>
/// <param name="Handles">Open file descriptors (/proc/PID/fd).</param>
/// <param name="Threads">Threads (/proc/PID/status).</param>
internal sealed record ProcessSample(TimeSpan At, double RssMiB, int Handles, int Threads)
{
    public static ProcessSample Read(int pid, TimeSpan at)
    {
        double rss = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        var handles = Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
        return new ProcessSample(at, rss, handles, threads);
    }
}
