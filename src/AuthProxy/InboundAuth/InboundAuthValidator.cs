using AuthProxy.Configuration;

namespace AuthProxy.InboundAuth;

/// <summary>
/// The <c>InboundAuth</c> rules of the shared configuration validator (start-up, live reload, <c>validate</c>),
/// plus the start-up listener check.
/// </summary>
internal static class InboundAuthValidator
{
    private const string RoutesSection = "ReverseProxy:Routes";
    private const string AuthorizationPolicyKey = "AuthorizationPolicy";

    /// <summary>
    /// Adds every problem of the <c>InboundAuth</c> section (clients, key files, digests, policies, AllowAnonymous)
    /// and of routes' <c>AuthorizationPolicy</c> values, each with its config key path.
    /// </summary>
    public static void Validate(IConfiguration configuration, List<ConfigProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        InboundAuthConfigReader.Read(configuration, problems);
        ValidateRoutePolicies(configuration, problems);
    }

    /// <summary>
    /// What start-up checks on the final host configuration (file, environment and command line): the rules of
    /// <see cref="Validate"/>, then the refusal to serve anonymously beyond loopback (<see cref="InboundListenerGuard"/>).
    /// </summary>
    public static IReadOnlyList<ConfigProblem> ValidateStartup(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        Validate(configuration, problems);
        if (problems.Count == 0)
        {
            InboundListenerGuard.Validate(configuration, problems);
        }

        return problems;
    }

    private static void ValidateRoutePolicies(IConfiguration configuration, List<ConfigProblem> problems)
    {
        var policies = configuration.GetSection($"{InboundAuthDefaults.Section}:{InboundAuthConfigReader.PoliciesKey}")
            .GetChildren()
            .Select(p => p.Key)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var route in configuration.GetSection(RoutesSection).GetChildren())
        {
            var setting = route.GetSection(AuthorizationPolicyKey);
            var name = setting.Value;
            if (string.IsNullOrEmpty(name) || InboundPolicies.IsReserved(name) || policies.Contains(name))
            {
                continue;
            }

            var known = policies.Count == 0 ? "none" : string.Join(", ", policies.Order(StringComparer.OrdinalIgnoreCase));
            problems.Add(new ConfigProblem(setting.Path,
                $"route '{route.Key}' names authorization policy '{name}', which is not an InboundAuth:Policies entry " +
                $"(configured: {known}) nor '{InboundAuthDefaults.DefaultPolicyName}' (any known client) or '{InboundAuthDefaults.AnonymousPolicyName}'"));
        }
    }
}
