using System.Security.Cryptography;
using AuthProxy.Sandbox.Redis;

namespace AuthProxy.Soak;

/// <summary>A span of time a fault (or its consequences) covered.</summary>
internal sealed record FaultWindow(DateTimeOffset Start, DateTimeOffset End)
{
    public bool Overlaps(DateTimeOffset from, DateTimeOffset to) => from <= End && to >= Start;
}

/// <summary>One proxy replica: a fixed loopback port (kept across restarts), its log file, and the times it was down.</summary>
internal sealed class Replica(int index, int port, string logPath)
{
    public int Index { get; } = index;

    public int Port { get; } = port;

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>proxy-N.log: every incarnation of this replica, one after the other.</summary>
    public string LogPath { get; } = logPath;

    /// <summary>The running process; replaced on restart.</summary>
    public ProxyProcess Process { get; set; } = null!;

    /// <summary>The running process's id; null while the replica is down.</summary>
    public int? Pid { get; set; }

    /// <summary>From SIGKILL until the restarted process was ready.</summary>
    public List<FaultWindow> Down { get; } = [];

    public int Restarts { get; set; }

    public bool Killed => Down.Count > 0;
}

/// <summary>
/// The proxies under test: N replicas with one configuration file, and — with two or more — one soak-started
/// redis-server as their shared token cache (<c>TokenCache:Redis</c> in that file, and a fleet encryption key file).
/// </summary>
internal sealed class SoakFleet : IAsyncDisposable
{
    private readonly string _dll;
    private readonly string _configPath;

    private SoakFleet(string dll, string configPath, RedisServer? redis, string? keyFile, string? encryptionKey)
    {
        _dll = dll;
        _configPath = configPath;
        Redis = redis;
        KeyFile = keyFile;
        EncryptionKey = encryptionKey;
    }

    public RedisServer? Redis { get; }

    public string? KeyFile { get; }

    /// <summary>The fleet's key (base64), a secret the logs must never show.</summary>
    public string? EncryptionKey { get; }

    public List<Replica> Replicas { get; } = [];

    /// <summary>Starts Redis (for two or more replicas) and writes the encryption key, before the config that names them is written.</summary>
    public static async Task<SoakFleet> PrepareAsync(string dll, string configPath, string outputDirectory, int replicas, CancellationToken cancellationToken)
    {
        if (replicas < 2)
        {
            return new SoakFleet(dll, configPath, null, null, null);
        }

        var redis = await RedisServer.StartAsync(cancellationToken);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var keyFile = Path.Combine(outputDirectory, "token-cache-key");
        await File.WriteAllTextAsync(keyFile, key + "\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return new SoakFleet(dll, configPath, redis, keyFile, key);
    }

    /// <summary>Starts the replicas one after the other (proxy.log for a single one, proxy-N.log for a fleet).</summary>
    public async Task StartAsync(int replicas, string outputDirectory, CancellationToken cancellationToken)
    {
        for (var i = 0; i < replicas; i++)
        {
            var log = Path.Combine(outputDirectory, replicas == 1 ? "proxy.log" : $"proxy-{i}.log");
            var process = await ProxyProcess.StartAsync(_dll, _configPath, log, cancellationToken);
            Replicas.Add(new Replica(i, new Uri(process.Url).Port, log) { Process = process, Pid = process.Pid });
        }
    }

    /// <summary>The running replicas' PIDs by index (null while one is down), for <see cref="SocketOwner"/>.</summary>
    public IReadOnlyList<int?> Pids => Replicas.Select(r => r.Pid).ToList();

    /// <summary>Which replica sent a request that arrived from loopback port <paramref name="remotePort"/>.</summary>
    public int? ReplicaOf(int remotePort) => Replicas.Count < 2 ? 0 : SocketOwner.Find(remotePort, Pids);

    /// <summary>SIGKILL replica <paramref name="index"/>; its down window opens now.</summary>
    public async Task<DateTimeOffset> KillAsync(int index)
    {
        var replica = Replicas[index];
        var at = DateTimeOffset.UtcNow;
        replica.Down.Add(new FaultWindow(at, DateTimeOffset.MaxValue));
        replica.Pid = null;
        await replica.Process.KillAsync();
        return at;
    }

    /// <summary>Starts replica <paramref name="index"/> again on its port, appending to its log; closes the down window once ready.</summary>
    public async Task RestartAsync(int index, CancellationToken cancellationToken)
    {
        var replica = Replicas[index];
        await replica.Process.DisposeAsync();
        replica.Process = await ProxyProcess.StartAsync(_dll, _configPath, replica.LogPath, cancellationToken, replica.Port, appendLog: true);
        replica.Pid = replica.Process.Pid;
        replica.Restarts++;
        replica.Down[^1] = replica.Down[^1] with { End = DateTimeOffset.UtcNow };
    }

    /// <summary>Whether replica <paramref name="index"/> was down at any time in [from, to].</summary>
    public FaultWindow? DownDuring(int index, DateTimeOffset from, DateTimeOffset to) =>
        index < Replicas.Count ? Replicas[index].Down.FirstOrDefault(w => w.Overlaps(from, to)) : null;

    public async Task StopAsync()
    {
        foreach (var replica in Replicas)
        {
            await replica.Process.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in Replicas)
        {
            await replica.Process.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }
}
