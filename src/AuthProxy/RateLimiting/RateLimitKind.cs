namespace AuthProxy.RateLimiting;

/// <summary>The four limiters of ASP.NET Core's rate limiter (<c>System.Threading.RateLimiting</c>).</summary>
internal enum RateLimitKind
{
    /// <summary><c>PermitLimit</c> requests per <c>Window</c>.</summary>
    FixedWindow,

    /// <summary><c>PermitLimit</c> requests per <c>Window</c>, the window sliding in <c>SegmentsPerWindow</c> steps.</summary>
    SlidingWindow,

    /// <summary>A bucket of <c>TokenLimit</c> tokens refilled by <c>TokensPerPeriod</c> every <c>ReplenishmentPeriod</c>; each request takes one.</summary>
    TokenBucket,

    /// <summary>At most <c>PermitLimit</c> requests at once.</summary>
    Concurrency,
}

/// <summary>Whose requests share a limiter.</summary>
internal enum RateLimitPartitionBy
{
    /// <summary>Each authenticated client (its configured name), or each caller address when the route needs no client.</summary>
    Client,

    /// <summary>Each route naming the policy.</summary>
    Route,

    /// <summary>Every request of every route naming the policy.</summary>
    Global,
}
