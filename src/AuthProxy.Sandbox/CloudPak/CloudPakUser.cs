namespace AuthProxy.Sandbox.CloudPak;

/// <summary>A Cloud Pak for Data user known to <see cref="CloudPakEmulator"/>.</summary>
/// <param name="Username">The login name.</param>
/// <param name="Password">Password for <c>authorize</c>, <c>identitytoken</c> and <c>signin</c>; <see langword="null"/> for none.</param>
/// <param name="ApiKey">Platform API key for <c>authorize</c> and <c>ZenApiKey</c>; <see langword="null"/> for none.</param>
/// <param name="Role">The role reported in tokens and by <c>validateAuth</c>.</param>
public sealed record CloudPakUser(string Username, string? Password, string? ApiKey, string Role = "Admin")
{
    /// <summary>Keeps the password and API key out of test output and logs.</summary>
    public override string ToString() => $"CloudPakUser {{ Username = {Username}, Role = {Role} }}";
}
