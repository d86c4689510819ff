using System.Collections.Concurrent;
using System.Reflection;
using AuthProxy.Admin;
using AuthProxy.InboundAuth;

namespace AuthProxy.Hosting;

/// <summary>The admin endpoints' <see cref="InboundView"/> over the inbound feature's live client set (names and mappings only).</summary>
internal sealed class InboundViewSource(InboundClientStore store) : IInboundViewSource
{
    private static readonly IReadOnlyDictionary<string, string> NoMapping = new Dictionary<string, string>();
    private static readonly ConcurrentDictionary<Type, PropertyInfo?> MappingProperties = new();

    public InboundView Current()
    {
        var set = store.Current;
        return new InboundView([.. set.Clients.Select(c => new InboundClientView(c.Name, TokenProvidersOf(c)))], set.PolicyMembers, set.AllowAnonymous);
    }

    /// <summary>
    /// HOOK (identity work, CONTRACT §9 "one IBM identity per application"): a client's own provider mapping
    /// (<c>"TokenProviders": { "kp": "kp-billing" }</c>). Until <see cref="InboundClient"/> has that mapping this finds
    /// none; once it has a <c>TokenProviders</c> property holding string pairs, the mapping is read from it and the
    /// dashboard's override columns fill. Replace this probe with a direct read when that lands.
    /// </summary>
    internal static IReadOnlyDictionary<string, string> TokenProvidersOf(InboundClient client)
    {
        var property = MappingProperties.GetOrAdd(client.GetType(), static type =>
            type.GetProperty("TokenProviders", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic));
        if (property?.GetValue(client) is not IEnumerable<KeyValuePair<string, string>> pairs)
        {
            return NoMapping;
        }

        var mapping = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (from, to) in pairs)
        {
            mapping[from] = to;
        }

        return mapping;
    }
}
