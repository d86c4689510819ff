using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Iam;

namespace AuthProxy.Sandbox.KeyProtect;

/// <summary>Settings of <see cref="KeyProtectEmulator"/>. Set <see cref="EmulatorOptions.Tokens"/> to the IAM emulator's store.</summary>
public sealed class KeyProtectEmulatorOptions : EmulatorOptions
{
    /// <summary>The instance id every request must name in <c>bluemix-instance</c>.</summary>
    /// <remarks>Default <see cref="SandboxDefaults.KeyProtectInstanceId"/>.</remarks>
    public string InstanceId { get; set; } = SandboxDefaults.KeyProtectInstanceId;

    /// <summary>Which issuer's tokens are accepted.</summary>
    /// <remarks>Default <see cref="IamEmulator.Issuer"/>.</remarks>
    public string TokenIssuer { get; set; } = IamEmulator.Issuer;

    /// <summary>Names of the root keys present at start.</summary>
    /// <remarks>Default two keys, so a first list is not empty.</remarks>
    public IReadOnlyList<string> InitialKeys { get; set; } = ["sandbox-root-key", "sandbox-backup-root-key"];
}
