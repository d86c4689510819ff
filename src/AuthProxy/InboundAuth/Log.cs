namespace AuthProxy.InboundAuth;

/// <summary>Inbound authentication log messages. None takes a key, a digest or an unverified user name.</summary>
internal static partial class Log
{
    [LoggerMessage(4100, LogLevel.Debug, "Inbound client '{Client}' authenticated with {Method}.", EventName = "InboundClientAuthenticated")]
    public static partial void ClientAuthenticated(ILogger logger, string client, string method);

    [LoggerMessage(4101, LogLevel.Information, "Inbound credential refused ({Method}): {Reason}.", EventName = "InboundCredentialRefused")]
    public static partial void CredentialRefused(ILogger logger, string method, string reason);

    [LoggerMessage(4102, LogLevel.Debug, "Request {Method} {Path} (route {Route}) answered 401: no valid inbound client credential.", EventName = "InboundUnauthenticated")]
    public static partial void Unauthenticated(ILogger logger, string method, string path, string route);

    [LoggerMessage(4103, LogLevel.Information, "Inbound client '{Client}' is not allowed on route {Route}: {Method} {Path} answered 403.", EventName = "InboundForbidden")]
    public static partial void Forbidden(ILogger logger, string client, string route, string method, string path);

    [LoggerMessage(4104, LogLevel.Information, "Inbound authentication: {PolicyCount} policy(ies); clients [{Clients}]; policies [{Policies}].", EventName = "InboundClientsApplied")]
    public static partial void ClientsApplied(ILogger logger, int policyCount, string clients, string policies);

    [LoggerMessage(4105, LogLevel.Warning, "No inbound clients are configured and InboundAuth:AllowAnonymous is true: anyone who can reach {Listeners} can use the proxy's credentials.", EventName = "InboundServingAnonymously")]
    public static partial void ServingAnonymously(ILogger logger, string listeners);

    [LoggerMessage(4106, LogLevel.Information, "JWT issuer '{Issuer}': {Count} signing key(s) in force ({KeyIds}).", EventName = "JwksFetched")]
    public static partial void JwksFetched(ILogger logger, string issuer, int count, string keyIds);

    [LoggerMessage(4107, LogLevel.Warning, "JWT issuer '{Issuer}': the JWKS could not be had: {Reason}; {Cached} cached key(s) stay in force; next attempt at {RetryAt}.", EventName = "JwksFetchFailed")]
    public static partial void JwksFetchFailed(ILogger logger, string issuer, string reason, int cached, DateTimeOffset retryAt);

    [LoggerMessage(4108, LogLevel.Information, "JWT issuer '{Issuer}': a token names key id {KeyId}, which is not cached; fetching the JWKS again.", EventName = "JwksRefreshForUnknownKey")]
    public static partial void JwksRefreshForUnknownKey(ILogger logger, string issuer, string keyId);
}
