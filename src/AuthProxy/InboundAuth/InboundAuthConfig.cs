using AuthProxy.Configuration;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Everything the inbound authentication feature checks in a candidate configuration: its own <c>InboundAuth</c>
/// section (clients, key files read once here, policies, <c>AllowAnonymous</c>), the routes' <c>AuthorizationPolicy</c>
/// names, and the rule that an anonymous proxy listens on loopback only. Start-up, live reload and <c>validate</c>
/// all call this one function.
/// </summary>
internal static class InboundAuthConfig
{
    private const string RoutesSection = "ReverseProxy:Routes";
    private const string AuthorizationPolicyKey = "AuthorizationPolicy";

    /// <summary>
    /// Reads the section and checks every rule. <paramref name="otherListeners"/> are listeners already bound (on a
    /// live reload, the ones the process started with), which count for the loopback rule besides the candidate's own.
    /// The returned set is usable only when no problem was added.
    /// </summary>
    public static InboundClientSet Read(IConfiguration configuration, IEnumerable<string> otherListeners, List<ConfigProblem> problems,
        List<ConfigProblem>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(otherListeners);
        ArgumentNullException.ThrowIfNull(problems);
        var before = problems.Count;
        var set = InboundAuthConfigReader.Read(configuration, problems, warnings);
        ValidateRoutePolicies(configuration, problems);
        if (problems.Count == before && !set.HasClients && !set.AllowAnonymous)
        {
            var exposed = otherListeners.Concat(InboundListenerGuard.NonLoopbackListeners(configuration))
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToList();
            if (exposed.Count > 0)
            {
                problems.Add(InboundListenerGuard.Refusal(exposed));
            }
        }

        return set;
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
