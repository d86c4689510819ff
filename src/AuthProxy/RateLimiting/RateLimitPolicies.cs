using System.Collections.Concurrent;
using Microsoft.AspNetCore.RateLimiting;

namespace AuthProxy.RateLimiting;

/// <summary>
/// The live set of rate-limit policies. Each name has one <see cref="LiveRateLimiterPolicy"/> that reads the current set on
/// every request, so live edits apply at once: a changed policy gets fresh limiters, an unchanged one keeps its counts. The
/// names are also registered with ASP.NET Core's <see cref="RateLimiterOptions"/>, where YARP's route validator looks for them.
/// </summary>
internal sealed class RateLimitPolicies
{
    private readonly ConcurrentDictionary<string, LiveRateLimiterPolicy> _byName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _registered = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Func<string, LiveRateLimiterPolicy> _create;
    private readonly ILogger<RateLimitPolicies> _logger;
    private IReadOnlyDictionary<string, CompiledRateLimitPolicy> _current = new Dictionary<string, CompiledRateLimitPolicy>(StringComparer.Ordinal);
    private RateLimiterOptions? _options;

    public RateLimitPolicies(RateLimitingOptions initial, Func<RateLimitPolicies, string, LiveRateLimiterPolicy> create, ILogger<RateLimitPolicies> logger)
    {
        ArgumentNullException.ThrowIfNull(create);
        _create = name => create(this, name);
        _logger = logger;
        Update(initial);
    }

    /// <summary>The current version of a policy, or null when the current configuration has none of that name.</summary>
    public CompiledRateLimitPolicy? Find(string name) => Volatile.Read(ref _current).TryGetValue(name, out var policy) ? policy : null;

    /// <summary>The names of the current policies.</summary>
    public IEnumerable<string> Names => Volatile.Read(ref _current).Keys;

    /// <summary>True when some route of the current configuration names a policy.</summary>
    public bool AnyRouteLimited => Volatile.Read(ref _anyRouteLimited);

    private bool _anyRouteLimited;

    /// <summary>The policy object routes naming <paramref name="name"/> are limited by.</summary>
    public LiveRateLimiterPolicy For(string name) => _byName.GetOrAdd(name, _create);

    /// <summary>Installs a validated configuration's policies.</summary>
    public void Update(RateLimitingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_gate)
        {
            var previous = _current;
            var next = new Dictionary<string, CompiledRateLimitPolicy>(StringComparer.Ordinal);
            foreach (var (name, policy) in options.Policies)
            {
                var description = policy.Describe();
                next[name] = previous.TryGetValue(name, out var old) && old.Description == description ? old : new CompiledRateLimitPolicy(name, policy);
            }

            Volatile.Write(ref _current, next);
            RegisterNames();
            // Before YARP builds the new routes (the reloader publishes them after this): a route that gains a policy is limited from its first request.
            Volatile.Write(ref _anyRouteLimited, options.AnyRouteLimited);
            if (!next.Keys.Order(StringComparer.Ordinal).SequenceEqual(previous.Keys.Order(StringComparer.Ordinal)) ||
                next.Any(p => !previous.TryGetValue(p.Key, out var old) || !ReferenceEquals(old, p.Value)))
            {
                Log.PoliciesApplied(_logger, next.Count == 0 ? "none" : string.Join("; ", next.Values.Select(p => p.ToString())));
            }
        }
    }

    /// <summary>Called once, when ASP.NET Core's options are made: from then on every new name is registered there too.</summary>
    public void Attach(RateLimiterOptions options)
    {
        lock (_gate)
        {
            _options = options;
            RegisterNames();
        }
    }

    /// <summary>
    /// YARP validates a route's <c>RateLimiterPolicy</c> against the names registered with <see cref="RateLimiterOptions"/>.
    /// Names only accumulate there (there is no removing one): a route naming a removed policy is refused by the candidate
    /// check, which registers the candidate's own names only, before the live YARP sees it; and the policy object of a removed
    /// name applies no limit.
    /// </summary>
    private void RegisterNames()
    {
        if (_options is null)
        {
            return;
        }

        foreach (var name in _current.Keys)
        {
            if (_registered.Add(name))
            {
                _options.AddPolicy(name, For(name));
            }
        }
    }
}
