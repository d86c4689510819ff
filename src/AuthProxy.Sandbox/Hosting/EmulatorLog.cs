namespace AuthProxy.Sandbox.Hosting;

/// <summary>The emulators' log messages. Tokens, keys and passwords are never logged.</summary>
internal static partial class EmulatorLog
{
    [LoggerMessage(1, LogLevel.Information, "{Emulator} emulator listening on {Url}", EventName = "EmulatorStarted")]
    public static partial void Started(ILogger logger, string emulator, string url);

    [LoggerMessage(2, LogLevel.Information, "{Emulator} issued a {Flow} credential to {Subject}, expires {ExpiresAt}", EventName = "CredentialIssued")]
    public static partial void Issued(ILogger logger, string emulator, string flow, string subject, string expiresAt);

    [LoggerMessage(3, LogLevel.Information, "{Emulator} refused {Method} {Path} with {Status}: {Reason}", EventName = "RequestRefused")]
    public static partial void Refused(ILogger logger, string emulator, string method, string path, int status, Tokens.RejectionReason reason);

    [LoggerMessage(4, LogLevel.Information, "{Emulator} revoked {Count} token(s)", EventName = "TokensRevoked")]
    public static partial void Revoked(ILogger logger, string emulator, int count);

    [LoggerMessage(5, LogLevel.Information, "{Emulator} {Method} {Path} called with the token of {Subject}", EventName = "ApiCalled")]
    public static partial void Called(ILogger logger, string emulator, string method, string path, string subject);
}
