using AuthProxy.Sandbox.Hosting;

namespace AuthProxy.Sandbox.Sklm;

/// <summary>Settings of <see cref="SklmEmulator"/>.</summary>
public sealed class SklmEmulatorOptions : EmulatorOptions
{
    /// <summary>User ids and their passwords.</summary>
    /// <remarks>Default: <see cref="SandboxDefaults.SklmUserId"/> with <see cref="SandboxDefaults.SklmPassword"/>.</remarks>
    public IReadOnlyDictionary<string, string> Users { get; set; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { [SandboxDefaults.SklmUserId] = SandboxDefaults.SklmPassword };

    /// <summary>A session id dies after this long without use; each accepted request restarts the clock.</summary>
    /// <remarks>Default 30 minutes.</remarks>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
