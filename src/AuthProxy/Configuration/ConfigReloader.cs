using System.Security.Cryptography;
using AuthProxy.InboundAuth;
using AuthProxy.Tokens;

namespace AuthProxy.Configuration;

/// <summary>
/// Watches the configuration file (CONTRACT §6). Polling its content once a second catches every way a
/// file changes — written in place, replaced by an atomic rename, or swapped through a Kubernetes ConfigMap
/// symlink — which file-system events alone do not. A valid edit is applied as a whole (providers first, so
/// new routes find their provider, then the routes); an invalid one is logged with its config key paths and
/// the last good configuration keeps serving.
/// </summary>
internal sealed partial class ConfigReloader : BackgroundService
{
    /// <summary>How often the file is checked.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly ConfigState _state;
    private readonly ValidatedConfigurationSource _validated;
    private readonly TokenProviderRegistry _registry;
    private readonly InboundClientStore _inbound;
    private readonly TimeProvider _time;
    private readonly ILogger<ConfigReloader> _logger;
    private byte[] _lastSeenHash;

    public ConfigReloader(ConfigState state, ValidatedConfigurationSource validated, TokenProviderRegistry registry,
        InboundClientStore inbound, TimeProvider time, ILogger<ConfigReloader> logger)
    {
        _state = state;
        _validated = validated;
        _registry = registry;
        _inbound = inbound;
        _time = time;
        _logger = logger;
        _lastSeenHash = HashFile(state.Path) ?? [];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                CheckNow();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Checks the file once and applies or rejects a change. Returns true when a new configuration was applied.</summary>
    public bool CheckNow()
    {
        var hash = HashFile(_state.Path);
        if (hash is null || hash.AsSpan().SequenceEqual(_lastSeenHash))
        {
            return false; // unchanged, or momentarily missing during a swap: keep serving
        }

        _lastSeenHash = hash;
        var (data, result) = ConfigLoader.Load(_state.Path);
        var candidate = new ConfigurationBuilder().AddInMemoryCollection(data).AddEnvironmentVariables().Build();
        var problems = new List<ConfigProblem>(result.Problems);
        var clients = problems.Count == 0 ? _inbound.Prepare(candidate, problems) : null;
        if (problems.Count > 0 || clients is null)
        {
            foreach (var problem in problems)
            {
                ReloadProblem(_logger, problem.Path, problem.Reason);
            }

            ReloadRejected(_logger, _state.Path, problems.Count);
            _state.Rejected(string.Join("; ", problems));
            return false;
        }

        // Providers and clients first: YARP checks new routes' AuthToken and AuthorizationPolicy names against them.
        _registry.Apply(result.Providers);
        _inbound.Update(clients);

        _state.Accepted(_time.GetUtcNow());
        _validated.Provider.Publish(data);
        Reloaded(_logger, _state.Path, result.Providers.Count);
        return true;
    }

    private static byte[]? HashFile(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return SHA256.HashData(stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LoggerMessage(3000, LogLevel.Information, "Configuration '{Path}' reloaded: {ProviderCount} token provider(s); routes and clusters updated.")]
    private static partial void Reloaded(ILogger logger, string path, int providerCount);

    [LoggerMessage(3001, LogLevel.Error, "Configuration edit rejected: {ConfigPath}: {Reason}")]
    private static partial void ReloadProblem(ILogger logger, string configPath, string reason);

    [LoggerMessage(3002, LogLevel.Error, "Configuration '{Path}' has {ProblemCount} problem(s); the edit was rejected as a whole and the last good configuration keeps serving.")]
    private static partial void ReloadRejected(ILogger logger, string path, int problemCount);
}
