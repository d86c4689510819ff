using System.Collections.Frozen;
using AuthProxy.Tokens;
using Microsoft.AspNetCore.Authorization;

namespace AuthProxy.InboundAuth;

/// <summary>
/// The live inbound client set. Requests read <see cref="Current"/> (one volatile read); a configuration
/// reload replaces it as a whole with <see cref="Update"/> (sets come from <see cref="InboundAuthConfig.Read"/>).
/// </summary>
/// <remarks>
/// Live reload order: read the new set while validating the candidate, <see cref="Update"/> it, and only then
/// publish the new <c>ReverseProxy</c> routes, because YARP checks a route's <c>AuthorizationPolicy</c> against the
/// policies known at that moment. A policy that an update removes is answered "no client allowed" (not a 500)
/// until the next update, for requests still routed with the old routes.
/// </remarks>
internal sealed class InboundClientStore
{
    private readonly IReadOnlyList<string> _startupListeners;
    private readonly ILogger _logger;
    private readonly JwtIssuerKeyRing? _jwtKeys;
    private readonly ClientProviderMaps? _providerMaps;
    private readonly Lock _updateGate = new();
    private volatile InboundClientSet _current = InboundClientSet.Empty;
    private volatile FrozenSet<string> _retiredPolicies = FrozenSet<string>.Empty;

    /// <param name="nonLoopbackListeners">The non-loopback listeners the host was started with, named in the anonymous-serving warning.</param>
    /// <param name="logger">Logs which clients and policies are in force (names only).</param>
    /// <param name="jwtKeys">The JWT issuers' key caches, brought in line with each installed set.</param>
    /// <param name="providerMaps">Published with each set: whether any client has its own token providers.</param>
    public InboundClientStore(IReadOnlyList<string> nonLoopbackListeners, ILogger<InboundClientStore> logger, JwtIssuerKeyRing? jwtKeys = null,
        ClientProviderMaps? providerMaps = null)
    {
        ArgumentNullException.ThrowIfNull(nonLoopbackListeners);
        _startupListeners = nonLoopbackListeners;
        _logger = logger;
        _jwtKeys = jwtKeys;
        _providerMaps = providerMaps;
    }

    /// <summary>The non-loopback listeners the host was started with.</summary>
    public IReadOnlyList<string> StartupListeners => _startupListeners;

    /// <summary>The set in force.</summary>
    public InboundClientSet Current => _current;

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
            _jwtKeys?.Apply(set.JwtIssuers);
            _providerMaps?.Publish(set.HasProviderMappings);
            _current = set;
        }

        Log.ClientsApplied(_logger, set.PolicyMembers.Count, string.Join(", ", set.ClientNames), string.Join(", ", set.PolicyMembers.Keys));
        if (!set.HasClients && set.AllowAnonymous && _startupListeners.Count > 0)
        {
            Log.ServingAnonymously(_logger, string.Join(", ", _startupListeners));
        }
    }

    /// <summary>The policy of an <c>InboundAuth:Policies</c> entry in force, a deny-all stand-in for one just removed, or null.</summary>
    public Task<AuthorizationPolicy?>? FindPolicy(string name) =>
        _current.FindPolicy(name) ?? (_retiredPolicies.Contains(name) ? InboundPolicies.RetiredTask : null);
}
