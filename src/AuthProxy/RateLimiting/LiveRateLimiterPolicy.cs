using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using AuthProxy.Http;
using AuthProxy.Telemetry;
using Microsoft.AspNetCore.RateLimiting;

namespace AuthProxy.RateLimiting;

/// <summary>
/// The ASP.NET Core rate-limiter policy behind every route whose <c>RateLimiterPolicy</c> names <see cref="Name"/>. It reads
/// the current policies on each request (live edits apply without rebuilding routes) and partitions by client, route or
/// not at all. A refused request gets a 429 <c>problem+json</c> naming the policy, with <c>Retry-After</c>
/// (<see cref="ProblemResponse"/> answers gRPC requests gRPC-style).
/// </summary>
internal sealed class LiveRateLimiterPolicy : IRateLimiterPolicy<RateLimitPartitionKey>
{
    /// <summary>When a limiter says nothing about when to come back (a concurrency limiter): a second.</summary>
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(1);

    private static readonly RateLimitPartition<RateLimitPartitionKey> NoLimit =
        RateLimitPartition.GetNoLimiter(new RateLimitPartitionKey(null, "", ByAddress: false));

    private readonly RateLimitPolicies _policies;
    private readonly string _clientClaimType;
    private readonly RateLimitMetrics _metrics;
    private readonly ILogger _logger;

    public LiveRateLimiterPolicy(string name, RateLimitPolicies policies, string clientClaimType, RateLimitMetrics metrics, ILogger logger)
    {
        Name = name;
        _policies = policies;
        _clientClaimType = clientClaimType;
        _metrics = metrics;
        _logger = logger;
        OnRejected = RejectAsync;
    }

    /// <summary>The policy name routes give as <c>RateLimiterPolicy</c>.</summary>
    public string Name { get; }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; }

    public RateLimitPartition<RateLimitPartitionKey> GetPartition(HttpContext httpContext)
    {
        if (_policies.Find(Name) is not { } policy)
        {
            return NoLimit; // removed by a live edit while this route's endpoint was still in use
        }

        var key = policy.Options.PartitionBy switch
        {
            RateLimitPartitionBy.Client => ClientName(httpContext) is { } client
                ? new RateLimitPartitionKey(policy, client, ByAddress: false)
                : new RateLimitPartitionKey(policy, CallerAddress(httpContext), ByAddress: true),
            RateLimitPartitionBy.Route => new RateLimitPartitionKey(policy, RouteId(httpContext), ByAddress: false),
            _ => new RateLimitPartitionKey(policy, "", ByAddress: false),
        };
        return new RateLimitPartition<RateLimitPartitionKey>(key, policy.Factory);
    }

    private string? ClientName(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true ? context.User.FindFirst(_clientClaimType)?.Value : null;

    /// <summary>The TCP connection's own peer (forwarded headers are not trusted for this, as for admin access).</summary>
    private static IPAddress CallerAddress(HttpContext context) => context.Connection.RemoteIpAddress switch
    {
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4(),
        { } address => address,
        null => IPAddress.None,
    };

    private static string RouteId(HttpContext context) =>
        context.Features.Get<Yarp.ReverseProxy.Model.IReverseProxyFeature>()?.Route.Config.RouteId ?? context.GetEndpoint()?.DisplayName ?? "";

    private ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : DefaultRetryAfter;
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        var client = ClientName(http) ?? "anonymous";
        var route = RouteId(http);
        _metrics.Rejected(Name, client);
        Log.Rejected(_logger, route, Name, client, seconds);
        var allows = _policies.Find(Name)?.Description ?? "no more requests now";
        return new ValueTask(ProblemResponse.WriteAsync(http, StatusCodes.Status429TooManyRequests, $"Rate limit '{Name}' exceeded",
            $"Route '{route}' is limited by rate-limit policy '{Name}' ({allows}); retry after {seconds.ToString(CultureInfo.InvariantCulture)} s.",
            retryAfter));
    }
}
