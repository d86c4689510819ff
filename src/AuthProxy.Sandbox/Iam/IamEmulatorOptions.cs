using AuthProxy.Sandbox.Hosting;

namespace AuthProxy.Sandbox.Iam;

/// <summary>Settings of <see cref="IamEmulator"/>.</summary>
public sealed class IamEmulatorOptions : EmulatorOptions
{
    /// <summary>API keys the <c>apikey</c> grant accepts.</summary>
    /// <remarks>Default: <see cref="SandboxDefaults.ApiKey"/>.</remarks>
    public IReadOnlyCollection<string> ApiKeys { get; set; } = [SandboxDefaults.ApiKey];

    /// <summary>Trusted profile ids and names the <c>cr-token</c> and <c>assume</c> grants accept.</summary>
    /// <remarks>Default: <see cref="SandboxDefaults.TrustedProfileId"/>, <see cref="SandboxDefaults.TrustedProfileName"/> and the per-application profiles.</remarks>
    public IReadOnlyCollection<string> TrustedProfiles { get; set; } =
        [SandboxDefaults.TrustedProfileId, SandboxDefaults.TrustedProfileName, SandboxDefaults.BillingProfileName, SandboxDefaults.ReportingProfileName];

    /// <summary>Compute-resource tokens the <c>cr-token</c> grant accepts.</summary>
    /// <remarks>Default: empty, meaning any non-empty <c>cr_token</c>.</remarks>
    public IReadOnlyCollection<string> ComputeResourceTokens { get; set; } = [];

    /// <summary>Lifetime of issued access tokens (<c>expires_in</c>).</summary>
    /// <remarks>Default 1 hour, as IAM.</remarks>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);
}
