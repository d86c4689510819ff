using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Iam;

namespace AuthProxy.Sandbox.Grep11;

/// <summary>Settings of <see cref="Grep11Emulator"/>. Set <see cref="EmulatorOptions.Tokens"/> to the IAM emulator's store.</summary>
public sealed class Grep11EmulatorOptions : EmulatorOptions
{
    /// <summary>The HPCS instance id every call must name in its <c>bluemix-instance</c> metadata.</summary>
    /// <remarks>Default <see cref="SandboxDefaults.KeyProtectInstanceId"/>: one HPCS instance serves Key Protect's API and GREP11.</remarks>
    public string InstanceId { get; set; } = SandboxDefaults.KeyProtectInstanceId;

    /// <summary>Which issuer's tokens are accepted.</summary>
    /// <remarks>Default <see cref="IamEmulator.Issuer"/>.</remarks>
    public string TokenIssuer { get; set; } = IamEmulator.Issuer;

    /// <summary>The pause between two replies of <c>GenerateRandomStream</c>, on the emulator's clock.</summary>
    /// <remarks>Default 300 ms, so a person watching sees the replies arrive one by one; tests set zero.</remarks>
    public TimeSpan StreamInterval { get; set; } = TimeSpan.FromMilliseconds(300);
}
