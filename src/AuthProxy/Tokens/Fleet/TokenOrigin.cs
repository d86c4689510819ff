namespace AuthProxy.Tokens.Fleet;

/// <summary>Where the outcome of one obtain came from.</summary>
internal enum TokenOrigin
{
    /// <summary>This replica asked the token endpoint (alone, or holding the fleet's lease).</summary>
    Fetched,

    /// <summary>Another replica fetched it; this one took it from the shared cache.</summary>
    Shared,

    /// <summary>Another replica's request under the lease failed; this one takes the failure instead of asking too.</summary>
    PeerFailure,
}

/// <summary>The outcome of <see cref="SharedTokenCache.ObtainAsync"/>.</summary>
/// <param name="Result">The token or the failure.</param>
/// <param name="Origin">Who obtained it.</param>
internal readonly record struct SharedOutcome(TokenResult Result, TokenOrigin Origin);
