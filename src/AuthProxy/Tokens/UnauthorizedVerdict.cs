namespace AuthProxy.Tokens;

/// <summary>What an upstream 401 means for the token that was sent (README "How tokens behave").</summary>
internal enum UnauthorizedVerdict
{
    /// <summary>A refusal of the request, not of the token: it stays cached, nothing is fetched, the 401 goes to the client.</summary>
    Refused,

    /// <summary>The token had already been replaced or dropped: retry with the current one; nothing was dropped.</summary>
    RetryWithCurrent,

    /// <summary>Dropped within the 401 budget (once per provider per 10 s): retry with a new token.</summary>
    Dropped,

    /// <summary>Dropped at once as revoked (the resource had accepted it); the retry must prove it, or the guess is charged.</summary>
    Revoked,
}
