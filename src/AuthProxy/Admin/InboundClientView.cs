namespace AuthProxy.Admin;

/// <summary>One inbound client as the admin endpoints show it.</summary>
/// <param name="Name">The client's name.</param>
/// <param name="TokenProviders">The client's provider mapping: the provider a route names → the provider its requests use instead. Empty without one.</param>
internal sealed record InboundClientView(string Name, IReadOnlyDictionary<string, string> TokenProviders);
