using Microsoft.AspNetCore.Authentication;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Options of the inbound client authentication scheme. The clients themselves are not options: they come
/// from <see cref="InboundClientStore"/>, which the configuration reload replaces as a whole.
/// </summary>
internal sealed class InboundAuthOptions : AuthenticationSchemeOptions
{
    /// <summary>Realm announced in the <c>WWW-Authenticate: Basic</c> challenge.</summary>
    /// <remarks>Default: <c>AuthProxy</c>.</remarks>
    public string Realm { get; set; } = InboundAuthDefaults.Realm;
}
