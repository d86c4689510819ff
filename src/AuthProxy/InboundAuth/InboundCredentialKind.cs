namespace AuthProxy.InboundAuth;

/// <summary>How a request presented its inbound credential.</summary>
internal enum InboundCredentialKind
{
    None,
    ApiKey,
    Basic,
}
