namespace AuthProxy.Tokens;

/// <summary>
/// Whether any inbound client in force maps providers (<see cref="ClientProviderMap"/>): lets the <c>AuthToken</c>
/// transform skip the per-request lookup entirely in the usual set-up, where no client has its own providers.
/// Inbound authentication publishes it with each client set.
/// </summary>
public sealed class ClientProviderMaps
{
    private volatile bool _any;

    /// <summary>True when at least one configured client has a <c>TokenProviders</c> mapping.</summary>
    public bool Any => _any;

    /// <summary>Publishes the flag of a newly installed client set.</summary>
    public void Publish(bool any) => _any = any;
}
