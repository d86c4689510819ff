using AuthProxy.Sandbox.Hosting;

namespace AuthProxy.Sandbox.CloudPak;

/// <summary>Settings of <see cref="CloudPakEmulator"/>.</summary>
public sealed class CloudPakEmulatorOptions : EmulatorOptions
{
    /// <summary>The users who may sign in.</summary>
    /// <remarks>Default: <see cref="SandboxDefaults.CloudPakUsername"/> with the sandbox password and API key.</remarks>
    public IReadOnlyList<CloudPakUser> Users { get; set; } =
        [new CloudPakUser(SandboxDefaults.CloudPakUsername, SandboxDefaults.CloudPakPassword, SandboxDefaults.CloudPakApiKey)];

    /// <summary>Lifetime of the platform JWTs (the <c>exp</c> claim) and of identity-provider tokens.</summary>
    /// <remarks>Default 12 hours, as Cloud Pak for Data.</remarks>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The pause between two events of <c>POST /ml/v1/text/generation_stream</c>, on the emulator's clock.</summary>
    /// <remarks>Default 300 ms, as a model generating a few tokens a second; tests set zero.</remarks>
    public TimeSpan TextStreamInterval { get; set; } = TimeSpan.FromMilliseconds(300);
}
