namespace AuthProxy.Tokens;

/// <summary>What happened to a provider's token (the dashboard's and the status document's <c>events</c>).</summary>
internal enum TokenEventKind
{
    /// <summary>A token was obtained while none was usable (first use, after expiry or a drop).</summary>
    Fetched,

    /// <summary>A token was obtained while the previous one still served (background renewal).</summary>
    Renewed,

    /// <summary>A token request failed; the event's detail is the cause.</summary>
    Failed,

    /// <summary>The cached token was discarded: an upstream refused it (401), or the provider's settings changed.</summary>
    Dropped,

    /// <summary>The first of a run of failures: token requests now wait, doubling up to 60 s.</summary>
    BackoffStarted,

    /// <summary>A token was obtained after one or more failures: the backoff is over.</summary>
    BackoffEnded,
}
