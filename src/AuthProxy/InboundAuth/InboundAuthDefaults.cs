namespace AuthProxy.InboundAuth;

/// <summary>Names shared by the inbound client authentication scheme, its policies and its configuration.</summary>
internal static class InboundAuthDefaults
{
    /// <summary>The authentication scheme that recognises AuthProxy's own clients.</summary>
    public const string AuthenticationScheme = "AuthProxyClient";

    /// <summary>The configuration section (README "Securing the proxy").</summary>
    public const string Section = "InboundAuth";

    /// <summary>Header carrying a client's API key.</summary>
    public const string ApiKeyHeaderName = "X-API-Key";

    /// <summary>Realm announced in <c>WWW-Authenticate</c> on a 401.</summary>
    public const string Realm = "AuthProxy";

    /// <summary>
    /// Claim type carrying the authenticated client's configured name (never its key); also the tag naming the
    /// client on the request's activity.
    /// </summary>
    public const string ClientClaimType = "authproxy.client";

    /// <summary>YARP's reserved <c>AuthorizationPolicy</c> value for "any authenticated client" (compared case-insensitively).</summary>
    public const string DefaultPolicyName = "Default";

    /// <summary>YARP's reserved <c>AuthorizationPolicy</c> value for "no client needed" (compared case-insensitively).</summary>
    public const string AnonymousPolicyName = "Anonymous";
}
