using System.Collections.Concurrent;

namespace AuthProxy.Sandbox.Tokens;

/// <summary>
/// What one emulator has seen, for tests and soak runs to assert on: token requests per endpoint path,
/// API requests, tokens issued and refusals by reason. Requests answered by a failure-injection hook count
/// as requests (and in <see cref="InjectedFailures"/>), not as rejections.
/// </summary>
public sealed class EmulatorCounters
{
    private readonly ConcurrentDictionary<string, long> _tokenRequests = new(StringComparer.Ordinal);
    private readonly long[] _rejections = new long[Enum.GetValues<RejectionReason>().Length];
    private long _apiRequests;
    private long _tokensIssued;
    private long _injected;

    /// <summary>Requests to the emulator's API endpoints (everything that is not a token endpoint).</summary>
    public long ApiRequests => Interlocked.Read(ref _apiRequests);

    /// <summary>Tokens (or SKLM session ids) successfully handed out.</summary>
    public long TokensIssued => Interlocked.Read(ref _tokensIssued);

    /// <summary>Requests answered by a <c>BeforeToken</c>/<c>BeforeApi</c> hook.</summary>
    public long InjectedFailures => Interlocked.Read(ref _injected);

    /// <summary>Refusals for any reason.</summary>
    public long TotalRejections
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _rejections.Length; i++)
            {
                total += Interlocked.Read(ref _rejections[i]);
            }

            return total;
        }
    }

    /// <summary>Requests to the token endpoint at <paramref name="path"/> (e.g. <c>/identity/token</c>).</summary>
    public long TokenRequests(string path) => _tokenRequests.TryGetValue(path, out var count) ? count : 0;

    /// <summary>Refusals for <paramref name="reason"/>.</summary>
    public long Rejections(RejectionReason reason) => Interlocked.Read(ref _rejections[(int)reason]);

    /// <summary>Refusals per reason (reasons never seen are left out).</summary>
    public IReadOnlyDictionary<RejectionReason, long> RejectionsByReason() =>
        Enum.GetValues<RejectionReason>().Where(r => Rejections(r) > 0).ToDictionary(r => r, Rejections);

    /// <summary>A one-line summary, e.g. for the sandbox's shutdown output.</summary>
    public override string ToString()
    {
        var tokens = string.Join(", ", _tokenRequests.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        var rejections = string.Join(", ", RejectionsByReason().Select(p => $"{p.Key}={p.Value}"));
        return $"token requests [{tokens}], tokens issued {TokensIssued}, API requests {ApiRequests}, rejections [{rejections}], injected failures {InjectedFailures}";
    }

    internal void CountTokenRequest(string path) => _tokenRequests.AddOrUpdate(path, 1, static (_, n) => n + 1);

    internal void CountApiRequest() => Interlocked.Increment(ref _apiRequests);

    internal void CountIssued() => Interlocked.Increment(ref _tokensIssued);

    internal void CountInjected() => Interlocked.Increment(ref _injected);

    internal void CountRejection(RejectionReason reason) => Interlocked.Increment(ref _rejections[(int)reason]);
}
