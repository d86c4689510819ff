namespace AuthProxy.InboundAuth;

/// <summary>
/// The live key caches of the configured JWT issuers, one <see cref="JwtIssuerKeys"/> per <c>InboundAuth:JwtIssuers</c>
/// entry. <see cref="Apply"/> runs with every installed client set: unchanged issuers keep their keys (a reload costs no
/// JWKS fetch and no 401s), new or changed ones start fetching at once, removed ones stop.
/// </summary>
internal sealed class JwtIssuerKeyRing : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly Lock _gate = new();
    private volatile Dictionary<string, JwtIssuerKeys> _issuers = new(StringComparer.OrdinalIgnoreCase);

    public JwtIssuerKeyRing(TimeProvider time, ILogger<JwtIssuerKeyRing> logger, CancellationToken stopping = default)
    {
        _time = time;
        _logger = logger;
        _stopping = stopping;
    }

    /// <summary>The keys of the issuer entry <paramref name="name"/>, or null when it is not configured.</summary>
    public JwtIssuerKeys? Find(string name) => _issuers.GetValueOrDefault(name);

    public void Apply(IReadOnlyList<JwtIssuerDefinition> definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        lock (_gate)
        {
            var old = _issuers;
            var next = new Dictionary<string, JwtIssuerKeys>(StringComparer.OrdinalIgnoreCase);
            var started = new List<JwtIssuerKeys>();
            foreach (var definition in definitions)
            {
                if (old.TryGetValue(definition.Name, out var keys) && keys.Definition.Fingerprint == definition.Fingerprint)
                {
                    next[definition.Name] = keys;
                    continue;
                }

                keys = new JwtIssuerKeys(definition, _time, _logger, _stopping);
                next[definition.Name] = keys;
                started.Add(keys);
            }

            _issuers = next;
            foreach (var (name, keys) in old)
            {
                if (!next.TryGetValue(name, out var kept) || !ReferenceEquals(kept, keys))
                {
                    keys.Dispose();
                }
            }

            foreach (var keys in started)
            {
                keys.Start();
            }
        }
    }

    public void Dispose()
    {
        foreach (var keys in _issuers.Values)
        {
            keys.Dispose();
        }
    }
}
