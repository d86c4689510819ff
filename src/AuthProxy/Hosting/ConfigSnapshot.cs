using AuthProxy.Admin;
using AuthProxy.Configuration;
using AuthProxy.InboundAuth;
using AuthProxy.Proxy;
using AuthProxy.RateLimiting;
using AuthProxy.Tokens;
using AuthProxy.Tokens.Fleet;

namespace AuthProxy.Hosting;

/// <summary>
/// One load of the configuration, judged as a whole: the file's keys, and what each feature read from the layered
/// candidate (token providers, the shared token cache, rate-limit policies, the inbound client set with its key files
/// read once, the listeners), with every problem found. Immutable; built by <see cref="Load"/> alone, for start-up, live reload and <c>validate</c> alike.
/// </summary>
internal sealed class ConfigSnapshot
{
    private ConfigSnapshot(string path, ConfigFileContent file, IReadOnlyList<ProviderDefinition> providers, InboundClientSet clients,
        AdminOptions admin, IReadOnlyList<string> nonLoopbackListeners, IReadOnlyList<ConfigProblem> problems, IReadOnlyList<ConfigProblem> warnings,
        RedisTokenCacheOptions? tokenCache = null, RateLimitingOptions? rateLimits = null, ShutdownOptions? shutdown = null)
    {
        TokenCache = tokenCache;
        RateLimits = rateLimits ?? RateLimitingOptions.None;
        Shutdown = shutdown ?? ShutdownOptions.Default;
        Warnings = warnings;
        Admin = admin;
        Path = path;
        File = file;
        Providers = providers;
        Clients = clients;
        NonLoopbackListeners = nonLoopbackListeners;
        Problems = problems;
    }

    /// <summary>The configuration file's full path.</summary>
    public string Path { get; }

    /// <summary>What was read from the file (its keys, stamp and hash).</summary>
    public ConfigFileContent File { get; }

    /// <summary>The file's flat keys; empty when the file could not be read.</summary>
    public IReadOnlyDictionary<string, string?> FileData => File.Data ?? EmptyData;

    /// <summary>The valid token providers.</summary>
    public IReadOnlyList<ProviderDefinition> Providers { get; }

    /// <summary>The inbound clients and policies.</summary>
    public InboundClientSet Clients { get; }

    /// <summary>The fleet's shared token cache (<c>TokenCache:Redis</c>), or null when each replica caches alone.</summary>
    public RedisTokenCacheOptions? TokenCache { get; }

    /// <summary>The rate-limit policies routes may name.</summary>
    public RateLimitingOptions RateLimits { get; }

    /// <summary>How the host drains before it stops.</summary>
    public ShutdownOptions Shutdown { get; }

    /// <summary>Where the admin endpoints are served.</summary>
    public AdminOptions Admin { get; }

    /// <summary>Listeners the candidate configures that are not loopback.</summary>
    public IReadOnlyList<string> NonLoopbackListeners { get; }

    /// <summary>Every problem, each with its config key path; empty when the configuration can be used.</summary>
    public IReadOnlyList<ConfigProblem> Problems { get; }

    /// <summary>What is allowed but unwise (files anyone may write), each with its config key path; logged, never rejected.</summary>
    public IReadOnlyList<ConfigProblem> Warnings { get; }

    public bool IsValid => Problems.Count == 0;

    private static readonly IReadOnlyDictionary<string, string?> EmptyData = new Dictionary<string, string?>();

    /// <summary>
    /// Reads <paramref name="path"/> and judges it layered with the environment and <paramref name="commandLine"/>.
    /// <paramref name="boundListeners"/> are non-loopback listeners already bound (on reload), which the inbound
    /// loopback rule counts besides the candidate's own.
    /// </summary>
    public static ConfigSnapshot Load(string path, IReadOnlyList<string> commandLine, IEnumerable<string>? boundListeners = null) =>
        FromFile(path, ConfigFile.Read(path), commandLine, boundListeners ?? []);

    /// <summary>Judges content already read from <paramref name="path"/>.</summary>
    public static ConfigSnapshot FromFile(string path, ConfigFileContent file, IReadOnlyList<string> commandLine, IEnumerable<string> boundListeners)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Data is null)
        {
            return new ConfigSnapshot(path, file, [], InboundClientSet.Empty, AdminOptions.Default, [], [file.Problem!], []);
        }

        return FromCandidate(path, file, ConfigLayers.Build(file.Data, commandLine), boundListeners);
    }

    /// <summary>Judges a layered candidate configuration (the function behind every load; tests call it directly).</summary>
    public static ConfigSnapshot FromCandidate(string path, ConfigFileContent file, IConfiguration candidate, IEnumerable<string> boundListeners)
    {
        var problems = new List<ConfigProblem>();
        var warnings = new List<ConfigProblem>();
        if (file.Stamp.IsWorldWritable)
        {
            warnings.Add(new ConfigProblem(ConfigProblem.FileLevel, $"the configuration file '{path}' can be written by any user of this host (chmod o-w it)"));
        }

        var providers = TokenProvidersConfig.Read(candidate, problems, warnings);
        var tokenCache = TokenCacheConfig.Read(candidate, problems, warnings);
        var rateLimits = RateLimitingConfig.Read(candidate, problems);
        // Every declared provider and policy counts as known to routes, valid or not: its own problems are already reported.
        ReverseProxyConfigCheck.Validate(candidate, TokenProvidersConfig.DeclaredNames(candidate), problems, RateLimitingConfig.DeclaredNames(candidate));
        var clients = InboundAuthConfig.Read(candidate, boundListeners, problems, warnings);
        var admin = AdminConfig.Read(candidate, problems);
        var shutdown = ShutdownConfig.Read(candidate, problems);
        return new ConfigSnapshot(path, file, providers, clients, admin, InboundListenerGuard.NonLoopbackListeners(candidate), problems, warnings,
            tokenCache, rateLimits, shutdown);
    }

    /// <summary>Names only: a snapshot's data holds secrets.</summary>
    public override string ToString() =>
        $"ConfigSnapshot({Path}: {Providers.Count} provider(s), {Clients}, {Problems.Count} problem(s))";
}
