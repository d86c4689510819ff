namespace AuthProxy.Tokens;

/// <summary>One token event. Holds names, times and causes only: never a token or a secret.</summary>
/// <param name="At">When it happened.</param>
/// <param name="Provider">The provider's name.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Detail">The cause of a failure or a drop, or a short description; built from fixed texts and failure reasons.</param>
/// <param name="Until">For a token obtained, when it expires; for a failure or a backoff, when the next request may go out.</param>
internal sealed record TokenEvent(DateTimeOffset At, string Provider, TokenEventKind Kind, string Detail, DateTimeOffset? Until);
