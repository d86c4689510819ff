namespace AuthProxy.Sandbox.Hosting;

/// <summary>Settings of <see cref="SandboxEmulators"/>: ports (0 = ephemeral), clock and logging.</summary>
public sealed class SandboxEmulatorsOptions
{
    /// <remarks>Default <see cref="SandboxDefaults.IamPort"/>.</remarks>
    public int IamPort { get; set; } = SandboxDefaults.IamPort;

    /// <remarks>Default <see cref="SandboxDefaults.KeyProtectPort"/>.</remarks>
    public int KeyProtectPort { get; set; } = SandboxDefaults.KeyProtectPort;

    /// <remarks>Default <see cref="SandboxDefaults.CloudPakPort"/>.</remarks>
    public int CloudPakPort { get; set; } = SandboxDefaults.CloudPakPort;

    /// <remarks>Default <see cref="SandboxDefaults.SklmPort"/>.</remarks>
    public int SklmPort { get; set; } = SandboxDefaults.SklmPort;

    /// <remarks>Default <see cref="SandboxDefaults.VpcMetadataPort"/>.</remarks>
    public int VpcMetadataPort { get; set; } = SandboxDefaults.VpcMetadataPort;

    /// <remarks>Default <see cref="SandboxDefaults.OidcIssuerPort"/>.</remarks>
    public int OidcIssuerPort { get; set; } = SandboxDefaults.OidcIssuerPort;

    /// <summary>The pause between two events of the watsonx emulator's <c>generation_stream</c>.</summary>
    /// <remarks>Default 300 ms (a demo to watch); <see cref="Ephemeral"/> sets zero.</remarks>
    public TimeSpan TextStreamInterval { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <remarks>Default <see cref="SandboxDefaults.Grep11Port"/>.</remarks>
    public int Grep11Port { get; set; } = SandboxDefaults.Grep11Port;

    /// <summary>The pause between two replies of the GREP11 emulator's <c>GenerateRandomStream</c>.</summary>
    /// <remarks>Default 300 ms (a demo to watch); <see cref="Ephemeral"/> sets zero.</remarks>
    public TimeSpan Grep11StreamInterval { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Clock of all the emulators.</summary>
    /// <remarks>Default <see cref="TimeProvider.System"/>.</remarks>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Adds log providers to each emulator's host.</summary>
    /// <remarks>Default: no logging.</remarks>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>
    /// Observes every request of every emulator before routing (see <see cref="EmulatorOptions.OnRequest"/>); the first
    /// argument names the emulator: <c>iam</c>, <c>keyprotect</c>, <c>cloudpak</c>, <c>sklm</c>, <c>vpc</c>, <c>oidc</c> or <c>grep11</c>.
    /// </summary>
    /// <remarks>Default: none.</remarks>
    public Action<string, HttpContext>? OnRequest { get; set; }

    /// <summary>All the emulators on ephemeral ports, without pauses in streams, as tests and soak runs want them.</summary>
    public static SandboxEmulatorsOptions Ephemeral() => new()
    {
        IamPort = 0, KeyProtectPort = 0, CloudPakPort = 0, SklmPort = 0, VpcMetadataPort = 0, OidcIssuerPort = 0, Grep11Port = 0,
        Grep11StreamInterval = TimeSpan.Zero, TextStreamInterval = TimeSpan.Zero,
    };
}
