using AuthProxy.Configuration;
using AuthProxy.Hosting;
using AuthProxy.InboundAuth;

namespace AuthProxy.Tests.Infrastructure;

/// <summary>Judges configurations the way start-up, reload and validate do, for tests that build one in memory.</summary>
internal static class ConfigChecks
{
    private static readonly ConfigFileContent NoFile = new(new Dictionary<string, string?>(), default, null, null);

    /// <summary>The snapshot of an in-memory configuration (no file, no listeners already bound).</summary>
    public static ConfigSnapshot Judge(IConfiguration configuration) => ConfigSnapshot.FromCandidate("(test)", NoFile, configuration, []);

    /// <summary>Reads the <c>InboundAuth</c> section and, when it has no problem, installs it (what a reload does).</summary>
    public static IReadOnlyList<ConfigProblem> Apply(this InboundClientStore store, IConfiguration configuration, params string[] boundListeners)
    {
        var problems = new List<ConfigProblem>();
        if (store.Prepare(configuration, problems, boundListeners) is { } set)
        {
            store.Update(set);
        }

        return problems;
    }

    /// <summary>Reads the <c>InboundAuth</c> section; null, with the problems added, when it cannot be used.</summary>
    public static InboundClientSet? Prepare(this InboundClientStore store, IConfiguration configuration, List<ConfigProblem> problems,
        params string[] boundListeners)
    {
        var before = problems.Count;
        var set = InboundAuthConfig.Read(configuration, store.StartupListeners.Concat(boundListeners), problems);
        return problems.Count == before ? set : null;
    }
}
