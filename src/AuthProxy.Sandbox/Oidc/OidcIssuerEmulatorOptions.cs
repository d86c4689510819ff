using AuthProxy.Sandbox.Hosting;

namespace AuthProxy.Sandbox.Oidc;

/// <summary>Settings of <see cref="OidcIssuerEmulator"/>.</summary>
public sealed class OidcIssuerEmulatorOptions : EmulatorOptions
{
    /// <summary>Lifetime of minted tokens.</summary>
    /// <remarks>Default 1 hour (Kubernetes' projected service-account tokens default to 1 hour as well).</remarks>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);
}
