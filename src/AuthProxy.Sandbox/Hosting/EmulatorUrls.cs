namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// Base URLs of the API emulators, to recognise the proxy routes that lead to them, and the proxy's gRPC (h2c) listener
/// when it has one.
/// </summary>
internal sealed record EmulatorUrls(string KeyProtect, string CloudPak, string Sklm, string? Grep11 = null, string? ProxyGrpc = null);
