namespace AuthProxy.Tokens;

/// <summary>The life of a cached token, in the order it goes through it.</summary>
internal enum TokenPhase
{
    /// <summary>Before <c>RefreshAt</c>: served as is.</summary>
    Fresh = 0,

    /// <summary>Past <c>RefreshAt</c>: still served, and renewed in the background.</summary>
    RefreshDue = 1,

    /// <summary>Inside the expiry window, replaced or rejected: never served.</summary>
    Unusable = 2,
}
