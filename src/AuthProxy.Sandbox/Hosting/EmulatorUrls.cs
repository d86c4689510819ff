namespace AuthProxy.Sandbox.Hosting;

/// <summary>Base URLs of the API emulators, to recognise the proxy routes that lead to them.</summary>
internal sealed record EmulatorUrls(string KeyProtect, string CloudPak, string Sklm);
