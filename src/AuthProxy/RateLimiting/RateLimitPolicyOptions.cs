using System.Globalization;
using System.Threading.RateLimiting;

namespace AuthProxy.RateLimiting;

/// <summary>
/// One <c>RateLimiting:Policies:&lt;name&gt;</c> entry (README "Running a fleet"): the fields of ASP.NET Core's limiter options for its
/// <see cref="Kind"/>, and how requests are partitioned. Validated by <see cref="RateLimitingConfig"/> before use.
/// </summary>
internal sealed class RateLimitPolicyOptions
{
    /// <summary>The limiter. Required.</summary>
    public RateLimitKind Kind { get; init; }

    /// <summary>Requests per window (<c>FixedWindow</c>, <c>SlidingWindow</c>) or at once (<c>Concurrency</c>).</summary>
    public int PermitLimit { get; init; }

    /// <summary>The window of <c>FixedWindow</c> and <c>SlidingWindow</c>.</summary>
    public TimeSpan Window { get; init; }

    /// <summary>Segments of a <c>SlidingWindow</c>.</summary>
    public int SegmentsPerWindow { get; init; }

    /// <summary>The bucket's size (<c>TokenBucket</c>).</summary>
    public int TokenLimit { get; init; }

    /// <summary>Tokens added every <see cref="ReplenishmentPeriod"/> (<c>TokenBucket</c>).</summary>
    public int TokensPerPeriod { get; init; }

    /// <summary>How often the bucket is refilled (<c>TokenBucket</c>).</summary>
    public TimeSpan ReplenishmentPeriod { get; init; }

    /// <summary>Requests that may wait for a permit instead of being refused at once.</summary>
    /// <remarks>Default 0: over the limit is refused at once.</remarks>
    public int QueueLimit { get; init; }

    /// <summary>Which queued request gets the next permit.</summary>
    /// <remarks>Default <c>OldestFirst</c>.</remarks>
    public QueueProcessingOrder QueueProcessingOrder { get; init; } = QueueProcessingOrder.OldestFirst;

    /// <summary>Whose requests share a limiter.</summary>
    /// <remarks>Default <c>Client</c>.</remarks>
    public RateLimitPartitionBy PartitionBy { get; init; } = RateLimitPartitionBy.Client;

    /// <summary>Every setting in one line: tells a changed policy on reload, and says what the limit is in a 429's detail.</summary>
    public string Describe() => Kind switch
    {
        RateLimitKind.FixedWindow => $"{PermitLimit} request(s) per {Span(Window)}",
        RateLimitKind.SlidingWindow => $"{PermitLimit} request(s) per sliding {Span(Window)} ({SegmentsPerWindow} segments)",
        RateLimitKind.TokenBucket => $"a bucket of {TokenLimit} request(s) refilled by {TokensPerPeriod} every {Span(ReplenishmentPeriod)}",
        _ => $"{PermitLimit} request(s) at once",
    } + $", per {PartitionBy.ToString().ToLowerInvariant()}" + (QueueLimit > 0 ? $", {QueueLimit} queued ({QueueProcessingOrder})" : "");

    private static string Span(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);

    /// <summary>The limiter of one partition.</summary>
    public RateLimiter CreateLimiter() => Kind switch
    {
        RateLimitKind.FixedWindow => new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = PermitLimit, Window = Window, QueueLimit = QueueLimit, QueueProcessingOrder = QueueProcessingOrder, AutoReplenishment = true,
        }),
        RateLimitKind.SlidingWindow => new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = PermitLimit, Window = Window, SegmentsPerWindow = SegmentsPerWindow, QueueLimit = QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder, AutoReplenishment = true,
        }),
        RateLimitKind.TokenBucket => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = TokenLimit, TokensPerPeriod = TokensPerPeriod, ReplenishmentPeriod = ReplenishmentPeriod, QueueLimit = QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder, AutoReplenishment = true,
        }),
        _ => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = PermitLimit, QueueLimit = QueueLimit, QueueProcessingOrder = QueueProcessingOrder,
        }),
    };
}
