namespace AuthProxy.InboundAuth;

/// <summary>How a request presented its inbound credential (and which kind a client is configured with).</summary>
internal enum InboundCredentialKind
{
    None,
    ApiKey,
    Basic,
    Jwt,
    Certificate,
}
