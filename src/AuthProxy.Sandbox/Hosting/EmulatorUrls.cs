namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// Base URLs of the API emulators, to recognise the proxy routes that lead to them; <c>OidcIssuer</c> is the OIDC issuer
/// emulator, whose minting endpoint the lines for JWT clients call (null when none runs).
/// </summary>
internal sealed record EmulatorUrls(string KeyProtect, string CloudPak, string Sklm, string? OidcIssuer = null);
