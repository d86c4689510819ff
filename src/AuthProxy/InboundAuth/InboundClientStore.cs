using System.Collections.Frozen;
using AuthProxy.Configuration;
using Microsoft.AspNetCore.Authorization;

namespace AuthProxy.InboundAuth;

/// <summary>
/// The live inbound client set. Requests read <see cref="Current"/> (one volatile read); a configuration
/// reload replaces it as a whole with <see cref="Apply"/>, or with <see cref="Prepare"/> then <see cref="Update"/>.
/// </summary>
/// <remarks>
/// Live reload order: prepare the new set while validating the candidate, <see cref="Update"/> it, and only then
/// publish the new <c>ReverseProxy</c> routes, because YARP checks a route's <c>AuthorizationPolicy</c> against the
/// policies known at that moment. A policy that an update removes is answered "no client allowed" (not a 500)
/// until the next update, for requests still routed with the old routes.
/// </remarks>
internal sealed class InboundClientStore
{
    private readonly IReadOnlyList<string> _startupListeners;
    private readonly ILogger _logger;
    private readonly Lock _updateGate = new();
    private volatile InboundClientSet _current = InboundClientSet.Empty;
    private volatile FrozenSet<string> _retiredPolicies = FrozenSet<string>.Empty;

    /// <param name="nonLoopbackListeners">
    /// The non-loopback listeners the host was started with: an update that would leave them open to anyone is refused.
    /// </param>
    /// <param name="logger">Logs which clients and policies are in force (names only).</param>
    public InboundClientStore(IReadOnlyList<string> nonLoopbackListeners, ILogger<InboundClientStore> logger)
    {
        ArgumentNullException.ThrowIfNull(nonLoopbackListeners);
        _startupListeners = nonLoopbackListeners;
        _logger = logger;
    }

    /// <summary>The set in force.</summary>
    public InboundClientSet Current => _current;

    /// <summary>
    /// Reads and checks the <c>InboundAuth</c> section of <paramref name="configuration"/> (reading key files now),
    /// without installing it. Returns null, with the problems added, when it cannot be used — including when it
    /// would leave a non-loopback listener open to anyone.
    /// </summary>
    public InboundClientSet? Prepare(IConfiguration configuration, List<ConfigProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var before = problems.Count;
        var set = InboundAuthConfigReader.Read(configuration, problems);
        if (problems.Count == before && !set.HasClients && !set.AllowAnonymous)
        {
            var exposed = _startupListeners.Concat(InboundListenerGuard.NonLoopbackListeners(configuration))
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToList();
            if (exposed.Count > 0)
            {
                problems.Add(InboundListenerGuard.Refusal(exposed));
            }
        }

        return problems.Count == before ? set : null;
    }

    /// <summary>Installs a prepared set; requests that start afterwards use it.</summary>
    public void Update(InboundClientSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        lock (_updateGate)
        {
            var previous = _current;
            _retiredPolicies = previous.PolicyMembers.Keys
                .Where(name => set.FindPolicy(name) is null)
                .ToFrozenSet(StringComparer.OrdinalIgnoreCase);
            _current = set;
        }

        Log.ClientsApplied(_logger, set.PolicyMembers.Count, string.Join(", ", set.ClientNames), string.Join(", ", set.PolicyMembers.Keys));
        if (!set.HasClients && set.AllowAnonymous && _startupListeners.Count > 0)
        {
            Log.ServingAnonymously(_logger, string.Join(", ", _startupListeners));
        }
    }

    /// <summary>
    /// <see cref="Prepare"/> and, when there is no problem, <see cref="Update"/>. Returns the problems (empty when
    /// applied); on a problem the set in force stays.
    /// </summary>
    public IReadOnlyList<ConfigProblem> Apply(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        if (Prepare(configuration, problems) is { } set)
        {
            Update(set);
        }

        return problems;
    }

    /// <summary>The policy of an <c>InboundAuth:Policies</c> entry in force, a deny-all stand-in for one just removed, or null.</summary>
    public Task<AuthorizationPolicy?>? FindPolicy(string name) =>
        _current.FindPolicy(name) ?? (_retiredPolicies.Contains(name) ? InboundPolicies.RetiredTask : null);
}
