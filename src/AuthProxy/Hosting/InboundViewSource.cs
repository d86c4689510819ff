using AuthProxy.Admin;
using AuthProxy.InboundAuth;

namespace AuthProxy.Hosting;

/// <summary>The admin endpoints' <see cref="InboundView"/> over the inbound feature's live client set (names and mappings only).</summary>
internal sealed class InboundViewSource(InboundClientStore store) : IInboundViewSource
{
    private static readonly IReadOnlyDictionary<string, string> NoMapping = new Dictionary<string, string>();

    public InboundView Current()
    {
        var set = store.Current;
        return new InboundView([.. set.Clients.Select(c => new InboundClientView(c.Name, TokenProvidersOf(c)))], set.PolicyMembers, set.AllowAnonymous);
    }

    /// <summary>A client's own provider mapping (<c>"TokenProviders": { "kp": "kp-billing" }</c>), or none.</summary>
    internal static IReadOnlyDictionary<string, string> TokenProvidersOf(InboundClient client) => client.Providers?.Providers ?? NoMapping;
}
