namespace AuthProxy.RateLimiting;

/// <summary>Rate-limiting log messages. They name the client, never its key.</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Debug, "Route '{RouteId}': rate-limit policy '{Policy}' refused a request of {Client} (429, retry after {RetryAfterSeconds} s).")]
    public static partial void Rejected(ILogger logger, string routeId, string policy, string client, long retryAfterSeconds);

    [LoggerMessage(4001, LogLevel.Information, "Rate-limit policies: {Policies}.")]
    public static partial void PoliciesApplied(ILogger logger, string policies);
}
