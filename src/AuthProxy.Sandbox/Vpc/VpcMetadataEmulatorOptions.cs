using AuthProxy.Sandbox.Hosting;

namespace AuthProxy.Sandbox.Vpc;

/// <summary>Settings of <see cref="VpcMetadataEmulator"/>.</summary>
public sealed class VpcMetadataEmulatorOptions : EmulatorOptions
{
    /// <summary>Trusted profile ids (and CRNs ending in one) the <c>iam_token</c> endpoint accepts.</summary>
    /// <remarks>Default: <see cref="SandboxDefaults.TrustedProfileId"/>.</remarks>
    public IReadOnlyCollection<string> TrustedProfiles { get; set; } = [SandboxDefaults.TrustedProfileId];

    /// <summary>The profile linked to the instance, used when the request names none.</summary>
    /// <remarks>Default: <see cref="SandboxDefaults.TrustedProfileId"/>.</remarks>
    public string DefaultProfile { get; set; } = SandboxDefaults.TrustedProfileId;

    /// <summary>Lifetime of the IAM tokens issued (<c>expires_in</c>).</summary>
    /// <remarks>Default 1 hour, as IAM.</remarks>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);
}
