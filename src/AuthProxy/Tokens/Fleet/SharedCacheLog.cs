namespace AuthProxy.Tokens.Fleet;

/// <summary>Log messages of the shared token cache. None takes a token, a key or the connection string.</summary>
internal static partial class SharedCacheLog
{
    [LoggerMessage(1100, LogLevel.Warning, "Shared token cache (Redis) unavailable: {Reason}. Each replica uses its own cache and fetches until Redis answers again; client requests are not affected.")]
    public static partial void Degraded(ILogger logger, string reason);

    [LoggerMessage(1101, LogLevel.Information, "Shared token cache (Redis) connected{Again}.")]
    public static partial void Connected(ILogger logger, string again);

    [LoggerMessage(1102, LogLevel.Debug, "Shared token cache (Redis) still unavailable: {Reason}.")]
    public static partial void StillDegraded(ILogger logger, string reason);

    [LoggerMessage(1103, LogLevel.Information, "Token provider '{Provider}' took the token another replica obtained (valid until {ExpiresAt:O}) from the shared cache.")]
    public static partial void Adopted(ILogger logger, string provider, DateTimeOffset expiresAt);

    [LoggerMessage(1104, LogLevel.Debug, "Token provider '{Provider}' waits up to {WaitMs:F0} ms for another replica's token request.")]
    public static partial void WaitingForLease(ILogger logger, string provider, double waitMs);

    [LoggerMessage(1105, LogLevel.Warning, "Token provider '{Provider}': the shared cache's entry could not be opened (tampered with, or sealed with another key); it is ignored.")]
    public static partial void EntryRejected(ILogger logger, string provider);

    [LoggerMessage(1106, LogLevel.Information, "Token provider '{Provider}' dropped its token: another replica's upstream refused it (401).")]
    public static partial void DroppedByFleet(ILogger logger, string provider);

    [LoggerMessage(1107, LogLevel.Debug, "Token provider '{Provider}': another replica's token request failed ({Reason}); backing off without a request of its own.")]
    public static partial void PeerFailed(ILogger logger, string provider, string reason);

    [LoggerMessage(1108, LogLevel.Debug, "Token provider '{Provider}': no token from another replica within {WaitMs:F0} ms; fetching itself.")]
    public static partial void WaitedInVain(ILogger logger, string provider, double waitMs);

    [LoggerMessage(1109, LogLevel.Debug, "Shared token cache: a message on the channel could not be opened (forged, or another fleet's); ignored.")]
    public static partial void EventRejected(ILogger logger);
}
