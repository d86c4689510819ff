namespace AuthProxy.Admin;

/// <summary>
/// What the admin endpoints show of the inbound side: client names, each client's own token providers (README "Securing the proxy",
/// "one IBM identity per application"), the policies and <c>AllowAnonymous</c>. Names only, never a key or a digest.
/// </summary>
/// <param name="Clients">The configured clients, in configuration order.</param>
/// <param name="Policies">Each <c>InboundAuth:Policies</c> entry and the clients it allows.</param>
/// <param name="AllowAnonymous"><c>InboundAuth:AllowAnonymous</c>.</param>
internal sealed record InboundView(IReadOnlyList<InboundClientView> Clients, IReadOnlyDictionary<string, IReadOnlyList<string>> Policies,
    bool AllowAnonymous)
{
    /// <summary>No clients, no policies.</summary>
    public static readonly InboundView Empty = new([], new Dictionary<string, IReadOnlyList<string>>(), AllowAnonymous: false);
}
