using AuthProxy.Configuration;
using AuthProxy.InboundAuth;
using AuthProxy.RateLimiting;
using AuthProxy.Tokens;

namespace AuthProxy.Hosting;

/// <summary>
/// Watches the configuration file (live reload). Once a second it compares the file's stamp (device, inode, size,
/// modification time, following symbolic links); only a changed stamp makes it read the file, so every way a file
/// changes — written in place, replaced by an atomic rename, swapped through a Kubernetes ConfigMap symlink — is
/// seen, while a file that was rejected, or a link to a device, is not read again until it changes. A changed file
/// is judged by <see cref="ConfigSnapshot.Load"/>, as at start-up; a valid edit is applied as a whole (providers and
/// clients first, so new routes find them, then the routes), an invalid one is logged with its config key paths and
/// the last good configuration keeps serving.
/// </summary>
internal sealed partial class ConfigReloader : BackgroundService
{
    /// <summary>How often the file is checked.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly ConfigState _state;
    private readonly ConfigFileSource _file;
    private readonly TokenProviderRegistry _registry;
    private readonly InboundClientStore _inbound;
    private readonly RateLimitPolicies _rateLimits;
    private readonly ShutdownDrain _drain;
    private readonly TimeProvider _time;
    private readonly ILogger<ConfigReloader> _logger;
    private readonly IReadOnlyList<string> _commandLine;
    private readonly IReadOnlyList<string> _boundListeners;
    private readonly Lock _gate = new();
    private FileStamp _lastStamp;
    private byte[] _lastHash;

    public ConfigReloader(ConfigState state, ConfigFileSource file, TokenProviderRegistry registry, InboundClientStore inbound,
        RateLimitPolicies rateLimits, ShutdownDrain drain, TimeProvider time, ILogger<ConfigReloader> logger, ReloadInputs inputs)
    {
        _rateLimits = rateLimits;
        _drain = drain;
        _state = state;
        _file = file;
        _registry = registry;
        _inbound = inbound;
        _time = time;
        _logger = logger;
        _commandLine = inputs.CommandLine;
        _boundListeners = inputs.Initial.NonLoopbackListeners;
        _lastStamp = inputs.Initial.File.Stamp;
        _lastHash = inputs.Initial.File.Hash ?? [];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    CheckNow();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A bug in judging one edit must not stop the watcher, let alone the host: keep serving, keep watching.
                    ReloadFailed(_logger, _state.Path, ex);
                    _state.Rejected(_time.GetUtcNow(), [new ConfigProblem(ConfigProblem.FileLevel, $"the edit could not be judged ({ex.GetType().Name})")]);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Checks the file once and applies or rejects a change. Returns true when a new configuration was applied.</summary>
    public bool CheckNow()
    {
        lock (_gate)
        {
            if (!FileStamp.TryGet(_state.Path, out var stamp))
            {
                return false; // momentarily missing during a swap: keep serving
            }

            // File times move in kernel ticks (a few milliseconds): two same-size writes in place within one tick leave the
            // stamp unchanged. A regular file changed in the last seconds is therefore read again (its hash tells); an
            // older unchanged stamp, or a file refused by its stamp alone (a device, too large), is never read again.
            if (stamp == _lastStamp && (ConfigFile.Refuse(_state.Path, stamp) is not null || !IsRecent(stamp)))
            {
                return false;
            }

            var previous = _lastStamp;
            var content = ConfigFile.Read(_state.Path);
            _lastStamp = content.Stamp;
            if (content.Hash is null && content.Stamp == previous)
            {
                return false; // unreadable as before: already reported
            }

            if (content.Hash is { } hash)
            {
                if (hash.AsSpan().SequenceEqual(_lastHash))
                {
                    return false; // touched, or replaced by the same content
                }

                _lastHash = hash;
            }

            var snapshot = ConfigSnapshot.FromFile(_state.Path, content, _commandLine, _boundListeners);
            if (!snapshot.IsValid)
            {
                foreach (var problem in snapshot.Problems)
                {
                    ReloadProblem(_logger, problem.Path, problem.Reason);
                }

                ReloadRejected(_logger, _state.Path, snapshot.Problems.Count);
                _state.Rejected(_time.GetUtcNow(), snapshot.Problems);
                return false;
            }

            // Providers, clients and policies first: YARP checks new routes' AuthToken, AuthorizationPolicy and RateLimiterPolicy names against them.
            _registry.Apply(snapshot.Providers, snapshot.TokenCache);
            _inbound.Update(snapshot.Clients);
            _rateLimits.Update(snapshot.RateLimits);
            _drain.Options = snapshot.Shutdown;
            _state.Accepted(_time.GetUtcNow());
            _file.Provider.Publish(snapshot.FileData);
            Reloaded(_logger, _state.Path, snapshot.Providers.Count);
            foreach (var warning in snapshot.Warnings)
            {
                StartupAnnouncement.ConfigWarning(_logger, warning.Path, warning.Reason);
            }

            return true;
        }
    }

    private static bool IsRecent(FileStamp stamp) =>
        DateTimeOffset.UtcNow.ToUnixTimeSeconds() - stamp.ModifiedSeconds < RecentSeconds;

    /// <summary>How long after a change an unchanged stamp is not trusted to mean unchanged content.</summary>
    private const long RecentSeconds = 3;

    [LoggerMessage(3003, LogLevel.Error, "Configuration '{Path}' could not be judged; the last good configuration keeps serving.")]
    private static partial void ReloadFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(3000, LogLevel.Information, "Configuration '{Path}' reloaded: {ProviderCount} token provider(s); routes and clusters updated.")]
    private static partial void Reloaded(ILogger logger, string path, int providerCount);

    [LoggerMessage(3001, LogLevel.Error, "Configuration edit rejected: {ConfigPath}: {Reason}")]
    private static partial void ReloadProblem(ILogger logger, string configPath, string reason);

    [LoggerMessage(3002, LogLevel.Error, "Configuration '{Path}' has {ProblemCount} problem(s); the edit was rejected as a whole and the last good configuration keeps serving.")]
    private static partial void ReloadRejected(ILogger logger, string path, int problemCount);
}

/// <summary>What the reloader judges edits with: the start-up snapshot and the process's command-line overrides.</summary>
/// <param name="Initial">The configuration the process started with.</param>
/// <param name="CommandLine">The configuration overrides given on the command line.</param>
internal sealed record ReloadInputs(ConfigSnapshot Initial, IReadOnlyList<string> CommandLine);
