namespace AuthProxy.InboundAuth;

/// <summary>The outcome of checking a request's inbound credential.</summary>
/// <param name="Kind">Which credential was presented.</param>
/// <param name="Client">The authenticated client; null when none was presented or it was refused.</param>
/// <param name="Failure">Why a presented credential was refused (never contains the credential).</param>
internal readonly record struct InboundCheckResult(InboundCredentialKind Kind, InboundClient? Client, string? Failure)
{
    public bool Succeeded => Client is not null;

    public static InboundCheckResult NoCredential => default;

    public static InboundCheckResult Refused(InboundCredentialKind kind, string failure) => new(kind, null, failure);
}
