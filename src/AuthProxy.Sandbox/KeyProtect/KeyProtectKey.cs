namespace AuthProxy.Sandbox.KeyProtect;

/// <summary>A key held by <see cref="KeyProtectEmulator"/>.</summary>
/// <param name="Id">The key id (a GUID).</param>
/// <param name="Name">The key's name.</param>
/// <param name="Extractable"><see langword="false"/> for a root key, <see langword="true"/> for a standard key.</param>
/// <param name="Description">Optional description given at creation.</param>
/// <param name="CreatedBy">The IAM id of the token that created it.</param>
/// <param name="CreatedAt">Creation time on the emulator's clock.</param>
public sealed record KeyProtectKey(string Id, string Name, bool Extractable, string? Description, string CreatedBy, DateTimeOffset CreatedAt);
