using AuthProxy.Tokens;

namespace AuthProxy.Configuration;

/// <summary>The outcome of validating a configuration: the providers it defines and every problem found.</summary>
/// <param name="Providers">The valid provider entries.</param>
/// <param name="Problems">Every problem, each with its config key path; empty when valid.</param>
internal sealed record ValidatedConfig(IReadOnlyList<ProviderDefinition> Providers, IReadOnlyList<ConfigProblem> Problems)
{
    public bool IsValid => Problems.Count == 0;
}
