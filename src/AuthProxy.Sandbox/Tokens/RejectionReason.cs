namespace AuthProxy.Sandbox.Tokens;

/// <summary>Why an emulator refused a request. Counted per emulator in <see cref="EmulatorCounters"/>.</summary>
public enum RejectionReason
{
    /// <summary>The credential header (<c>Authorization</c>, <c>iam-token</c>, …) was absent.</summary>
    MissingHeader,

    /// <summary>The credential header was present but not in the expected scheme or shape.</summary>
    MalformedHeader,

    /// <summary>The token was never issued by the emulator the API trusts (or was pruned).</summary>
    Unknown,

    /// <summary>The token is past its expiry, or an SKLM session id sat idle too long.</summary>
    Expired,

    /// <summary>The token has less than <see cref="IssuedTokenStore.NearExpiryWindow"/> left; IBM services refuse those.</summary>
    NearExpiry,

    /// <summary>The token was revoked (<see cref="IssuedTokenStore.RevokeAll"/>).</summary>
    Revoked,

    /// <summary>A token endpoint refused the API key, password or profile.</summary>
    BadCredentials,

    /// <summary>A request was malformed (missing grant type, unreadable body, missing <c>version</c>, …).</summary>
    BadRequest,

    /// <summary>Key Protect: the <c>bluemix-instance</c> header was absent.</summary>
    MissingInstance,

    /// <summary>Key Protect: the <c>bluemix-instance</c> header named another instance.</summary>
    WrongInstance,
}
