namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// Base URLs of the API emulators, to recognise the proxy routes that lead to them; <c>OidcIssuer</c> is the OIDC issuer
/// emulator, whose minting endpoint the lines for JWT clients call (null when none runs); and the proxy's gRPC (h2c)
/// listener when it has one.
/// </summary>
internal sealed record EmulatorUrls(string KeyProtect, string CloudPak, string Sklm, string? OidcIssuer = null, string? Grep11 = null,
    string? ProxyGrpc = null);
