namespace AuthProxy.Tokens;

/// <summary>Token-layer log messages. None of them takes a token or a secret as an argument.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Token provider '{Provider}' obtained a token valid until {ExpiresAt:O} (renewal from {RefreshAt:O}) in {ElapsedMs:F0} ms.")]
    public static partial void TokenObtained(ILogger logger, string provider, DateTimeOffset expiresAt, DateTimeOffset refreshAt, double elapsedMs);

    [LoggerMessage(1001, LogLevel.Warning, "Token provider '{Provider}' could not obtain a token: {Reason}. Next attempt not before {RetryAt:O}.")]
    public static partial void TokenFetchFailed(ILogger logger, string provider, string reason, DateTimeOffset retryAt);

    [LoggerMessage(1002, LogLevel.Debug, "Token provider '{Provider}' starts renewing its token in the background (expires {ExpiresAt:O}).")]
    public static partial void BackgroundRefreshStarted(ILogger logger, string provider, DateTimeOffset expiresAt);

    [LoggerMessage(1003, LogLevel.Information, "Token provider '{Provider}' dropped its token: {Why}.")]
    public static partial void TokenDropped(ILogger logger, string provider, string why);

    [LoggerMessage(1004, LogLevel.Error, "Token provider '{Provider}' failed unexpectedly ({ExceptionType}).")]
    public static partial void UnexpectedFetchError(ILogger logger, string provider, string exceptionType, Exception exception);

    [LoggerMessage(1005, LogLevel.Warning, "Token provider '{Provider}' accepts any TLS certificate from its token endpoint (AcceptAnyServerCertificate is on). Use CaCertificateFile instead where possible.")]
    public static partial void AcceptingAnyCertificate(ILogger logger, string provider);

    [LoggerMessage(1006, LogLevel.Debug, "Token provider '{Provider}' rejects a request while backing off for {RetryAfterSeconds} s.")]
    public static partial void BackoffRejected(ILogger logger, string provider, long retryAfterSeconds);

    [LoggerMessage(1007, LogLevel.Debug, "Token provider '{Provider}' keeps its token after an upstream 401, a refusal of the request: {Why}.")]
    public static partial void UnauthorizedRefusal(ILogger logger, string provider, string why);

    [LoggerMessage(1008, LogLevel.Information, "Token provider '{Provider}': the token dropped as revoked was not (its retry with a new token got 401 too); for 20 s a 401 drops a token only within the 10 s budget.")]
    public static partial void RevocationDisproved(ILogger logger, string provider);
}
