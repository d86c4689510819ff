using System.Collections.Frozen;

namespace AuthProxy.Tokens;

/// <summary>
/// One inbound client's own token providers (README "One IBM identity per application"): route provider name → the
/// provider the client's requests carry instead, so the upstream's audit trail names the application. Set as a request
/// feature by inbound authentication when the client has a mapping; the <c>AuthToken</c> transform reads it. Mappings
/// do not chain: a mapped provider is used as it is, whatever the client maps it to.
/// </summary>
public sealed class ClientProviderMap
{
    private readonly FrozenDictionary<string, string> _providers;

    public ClientProviderMap(string client, IReadOnlyDictionary<string, string> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        Client = client;
        _providers = providers.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The inbound client's name.</summary>
    public string Client { get; }

    /// <summary>Route provider → the client's own provider.</summary>
    public IReadOnlyDictionary<string, string> Providers => _providers;

    /// <summary>The provider this client uses where a route names <paramref name="routeProvider"/>, if it maps it.</summary>
    public bool TryMap(string routeProvider, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string provider) =>
        _providers.TryGetValue(routeProvider, out provider);

    /// <summary>The map of the request's client, when it has one.</summary>
    public static ClientProviderMap? Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ClientProviderMap>();
    }

    public override string ToString() => $"ClientProviderMap({Client}: {string.Join(", ", _providers.Select(p => $"{p.Key}→{p.Value}"))})";
}
