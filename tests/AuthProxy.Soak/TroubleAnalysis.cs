using System.Globalization;
using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Soak;

/// <summary>A client answer that was not the upstream's own, and whether a correct proxy could have avoided it.</summary>
/// <param name="Result">The client request.</param>
/// <param name="Provider">The provider the route uses.</param>
/// <param name="Excused">True when no correct proxy could have answered with the upstream's reply (see README).</param>
/// <param name="Cause">Why, in one line.</param>
/// <param name="Environmental">Not judged: the soak process itself stalled (its emulators with it) while the request was under way.</param>
/// <param name="FaultCaused">Not token trouble: the client's replica was killed (replica-kill) while the request was under way.</param>
internal sealed record Trouble(ClientResult Result, string Provider, bool Excused, string Cause, bool Environmental = false, bool FaultCaused = false);

/// <summary>
/// Attributes every client answer that is not the upstream's own (docs/tokens.md). A token-caused 502/503/504 is excused
/// only when, at that moment, no valid token could be had — the last one the proxy obtained had expired (after a renewal
/// attempt in its refresh window), was revoked, or had died idle — and the IdP failed (an injected fault) since; and when
/// the proxy was not backing off longer than the contract's schedule. A 401 is excused only in the revocation race: the
/// retry carried a different, freshly fetched token that a revocation killed after it was issued. Everything else is a breach.
/// </summary>
internal sealed class TroubleAnalysis
{
    /// <summary>How an excused cause begins when the last token was revoked (the verdict counts those apart).</summary>
    public const string RevokedCause = "token revoked";

    private readonly SoakOptions _options;
    private readonly SoakConfig _config;
    private readonly Observatory _observatory;
    private readonly IReadOnlyList<DateTimeOffset> _revocations;
    private readonly Dictionary<string, List<TokenCall>> _successes = [];
    private readonly Dictionary<string, List<FetchAttempt>> _attempts = [];
    private readonly Dictionary<string, List<InjectedFault>> _faults = [];
    private readonly Dictionary<string, List<DateTimeOffset>> _traffic = [];
    private readonly StallMonitor _stalls;
    private readonly List<IssuedToken> _sklmTokens;
    private readonly SoakFleet _fleet;
    private readonly IReadOnlyList<FaultWindow> _redisOutages;

    public TroubleAnalysis(SoakOptions options, SoakConfig config, Observatory observatory, FaultInjector injector,
        IReadOnlyList<DateTimeOffset> revocations, IReadOnlyList<ClientResult> results, StallMonitor stalls,
        IssuedTokenStore tokens, SoakFleet fleet, FleetChaos chaos)
    {
        _fleet = fleet;
        _redisOutages = chaos.RedisOutages;
        _sklmTokens = [.. tokens.Snapshot(AuthProxy.Sandbox.Sklm.SklmEmulator.Issuer)];
        _stalls = stalls;
        _options = options;
        _config = config;
        _observatory = observatory;
        _revocations = revocations;
        var calls = observatory.TokenCalls.ToList();
        foreach (var provider in SoakTopology.Providers)
        {
            _successes[provider.Name] = [.. calls.Where(c => c.Provider == provider && c.Succeeded).OrderBy(c => c.End)];
            // Per replica: two replicas' two-step flows may interleave.
            _attempts[provider.Name] = [.. calls.Where(c => c.Provider == provider).GroupBy(c => c.Replica).SelectMany(FetchAttempt.Group).OrderBy(a => a.Start)];
            _faults[provider.Name] = [.. injector.Injected.Where(f => f.Provider == provider).OrderBy(f => f.At)];
            _traffic[provider.Name] = [.. results.Where(r => SoakTopology.Route(r.Operation.Route).Provider == provider.Name).Select(r => r.Start).Order()];
        }
    }

    /// <summary>
    /// The trouble of one request, or null when it got the upstream's own success. Trouble that is not excused but
    /// coincides with a stall of the soak process (within the token Timeout before the request, or during it) is
    /// marked environmental instead: the emulators could not answer.
    /// </summary>
    public Trouble? Classify(ClientResult result)
    {
        var trouble = ClassifyCore(result);
        if (trouble is { Result.Outcome: ClientOutcome.TransportError or ClientOutcome.TimedOut } &&
            _fleet.DownDuring(result.Replica, result.Start, result.End + SoakTimes.Slack) is { } down)
        {
            return trouble with
            {
                FaultCaused = true,
                Cause = $"replica {result.Replica} killed at {down.Start:HH:mm:ss.fff}, back at {down.End:HH:mm:ss.fff} ({trouble.Cause})",
            };
        }

        if (trouble is { Excused: false } && _stalls.Overlapping(result.Start - _options.TokenTimeout - StallMonitor.Threshold, result.End) is { } stall)
        {
            return trouble with
            {
                Environmental = true,
                Cause = $"{stall.Reason} for {(stall.End - stall.Start).TotalMilliseconds:0} ms from {stall.Start:HH:mm:ss.fff} ({trouble.Cause})",
            };
        }

        return trouble;
    }

    private Trouble? ClassifyCore(ClientResult result)
    {
        var provider = SoakTopology.Provider(SoakTopology.Route(result.Operation.Route).Provider);
        switch (result.Outcome)
        {
            case ClientOutcome.Cancelled or ClientOutcome.BodyAborted:
                return null;
            case ClientOutcome.TimedOut:
                return new Trouble(result, provider.Name, false, $"no answer within {SoakTimes.ClientTimeout.TotalSeconds:0} s");
            case ClientOutcome.TransportError:
                return new Trouble(result, provider.Name, false, $"connection failed without an answer ({result.Error})");
        }

        if (result.Status is 200 or 201)
        {
            return null;
        }

        if (result.Status == 401)
        {
            return ClassifyUnauthorized(result, provider);
        }

        if (result.Status is 502 or 503 or 504 && result.ProblemProvider is not null)
        {
            return ClassifyTokenFailure(result, provider);
        }

        return new Trouble(result, provider.Name, false,
            $"unexpected {result.Status}{(result.ProblemTitle is null ? "" : $" ({result.ProblemTitle})")}");
    }

    private Trouble ClassifyUnauthorized(ClientResult result, ProviderSpec provider)
    {
        if (!_observatory.AttemptsById.TryGetValue(result.Id, out var list))
        {
            return new Trouble(result, provider.Name, false, "401 that never reached the upstream (inbound auth refused the soak's key?)");
        }

        UpstreamAttempt[] attempts;
        lock (list)
        {
            attempts = [.. list.OrderBy(a => a.Time)];
        }

        if (attempts.Length == 1)
        {
            return new Trouble(result, provider.Name, false, $"upstream 401 ({attempts[0].State}) passed to the client without the one retry");
        }

        if (attempts.Length > 2)
        {
            return new Trouble(result, provider.Name, false, $"sent upstream {attempts.Length} times; the contract allows one retry");
        }

        var (first, second) = (attempts[0], attempts[1]);
        if (first.Token is not null && ReferenceEquals(first.Token, second.Token))
        {
            return new Trouble(result, provider.Name, false,
                $"retried with the same rejected token ({first.State}): the proxy did not drop it after the 401");
        }

        if (second.State == TokenState.Revoked && second.Token is { } token &&
            _revocations.Any(r => r > token.IssuedAt && r <= second.Time + SoakTimes.Slack))
        {
            return new Trouble(result, provider.Name, true,
                "revocation race: the retry's new token was issued just before a revocation and revoked with the rest");
        }

        return new Trouble(result, provider.Name, false, $"the retry was rejected too ({first.State}, then {second.State})");
    }

    private Trouble ClassifyTokenFailure(ClientResult result, ProviderSpec provider)
    {
        var name = provider.Name;
        var what = $"{result.Status} '{result.ProblemTitle}'";
        if (!string.Equals(result.ProblemProvider, name, StringComparison.Ordinal))
        {
            return new Trouble(result, name, false, $"{what} names provider '{result.ProblemProvider}', not the route's '{name}'");
        }

        if (_config.Lifetime(provider) is not { } model)
        {
            return new Trouble(result, name, false, $"{what} from a provider that fetches nothing");
        }

        // The emulator's end of a token response comes a moment before the proxy has parsed and stored the token:
        // a request arriving within the socket slack of it may still meet the state before.
        var last = _successes[name].LastOrDefault(c => c.End!.Value + SoakTimes.Slack <= result.Start && Visible(c, result));
        string invalidation;
        if (last is null)
        {
            invalidation = "no token obtained yet";
        }
        else
        {
            var expiry = model.UsableUntilEarliest(last.Start);
            var revoked = _revocations.Where(r => r > last.Start).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
            var idle = provider.Emulator == "sklm" ? IdleDeath(last) : DateTimeOffset.MaxValue;
            var invalid = Min(expiry, Min(revoked, idle));
            if (result.End + SoakTimes.Slack < invalid)
            {
                return new Trouble(result, name, false,
                    $"{what} while the token obtained {Ago(last.End!.Value, result.Start)} earlier was valid for {Seconds(invalid - result.End)} more");
            }

            invalidation = invalid == expiry ? "token expired" : invalid == revoked ? RevokedCause : "SKLM id died idle";
            if (invalid == expiry)
            {
                var renewalFrom = model.RefreshEarliest(last.Start, _options.RefreshAfter) - SoakTimes.Slack;
                var renewalTo = model.UsableUntilLatest(last.End!.Value) + SoakTimes.Slack;
                var tried = _attempts[name].Any(a => a.Start >= renewalFrom && a.Start <= renewalTo);
                var trafficFrom = model.RefreshLatest(last.End!.Value, _options.RefreshAfter);
                var trafficTo = model.UsableUntilEarliest(last.Start);
                var hadTraffic = trafficTo > trafficFrom && _traffic[name].Any(t => t >= trafficFrom && t < trafficTo);
                if (!tried && hadTraffic)
                {
                    return new Trouble(result, name, false,
                        $"{what}: the token aged out with no renewal attempt in its refresh window although requests kept coming (no background refresh)");
                }
            }
        }

        // Any IdP failure since the last credential explains why there is none now: the proxy fetches only when it must
        // (renewal, a dropped token), and a failure leaves it backing off.
        var windowStart = last is null ? DateTimeOffset.MinValue : last.End!.Value - SoakTimes.Slack;
        var faults = _faults[name].Where(f => f.At >= windowStart && f.At <= result.End + SoakTimes.Slack).ToList();
        if (faults.Count == 0)
        {
            return new Trouble(result, name, false,
                $"{what} ({invalidation}) although the IdP failed no token request since the last token: a healthy IdP, yet no token (detail: {result.ProblemDetail})");
        }

        if (result.Status == 503 && BackoffTooLong(name, result) is { } backoff)
        {
            return new Trouble(result, name, false, $"{what}: {backoff}");
        }

        var kinds = string.Join("/", faults.GroupBy(f => f.Kind).Select(g => $"{g.Count()} {Describe(g.Key)}"));
        return new Trouble(result, name, true, $"{invalidation}, and the IdP failed {kinds} since");
    }

    /// <summary>
    /// Whether the replica of <paramref name="result"/> could have had the token <paramref name="call"/> obtained: its own,
    /// or another replica's shared through Redis — not when Redis was out (killed or slow, plus the time the proxy takes to
    /// use it again) at the fetch or at the request, since then each replica has only what it fetched itself.
    /// </summary>
    /// A replica backing off (503) does not consult Redis until its own backoff ends (docs/tokens.md, "Across a fleet"),
    /// so for a 503 only its own tokens count; how long it backs off is checked against the schedule separately.
    private bool Visible(TokenCall call, ClientResult result) =>
        call.Replica is null || call.Replica == result.Replica ||
        (result.Status != 503 && !_redisOutages.Any(o => o.Overlaps(call.Start, call.End!.Value) || o.Overlaps(result.Start, result.End)));

    /// <summary>
    /// Tokens that aged out without a renewal attempt in their refresh window although requests kept coming: the
    /// proxy did not renew in the background (docs/tokens.md). Tokens replaced early (a revocation, an idle death, a
    /// 401) are not counted. Returns (tokens that were due for renewal, descriptions of the missed ones).
    /// </summary>
    public (int Due, List<string> Missed) MissedRenewals(ProviderSpec provider)
    {
        var missed = new List<string>();
        var due = 0;
        if (_config.Lifetime(provider) is not { } model)
        {
            return (0, missed);
        }

        var successes = _successes[provider.Name];
        for (var i = 0; i < successes.Count; i++)
        {
            var token = successes[i];
            var refreshFrom = model.RefreshEarliest(token.Start, _options.RefreshAfter) - SoakTimes.Slack;
            var usableTo = model.UsableUntilEarliest(token.Start);
            var replacedEarly = i + 1 < successes.Count && successes[i + 1].Start < refreshFrom;
            var invalidated = _revocations.Any(r => r > token.Start && r < usableTo) ||
                (provider.Emulator == "sklm" && IdleDeath(token) < usableTo);
            var trafficFrom = model.RefreshLatest(token.End!.Value, _options.RefreshAfter);
            var hadTraffic = usableTo > trafficFrom && _traffic[provider.Name].Any(t => t >= trafficFrom && t < usableTo);
            var renewalEnd = model.UsableUntilLatest(token.End!.Value) + SoakTimes.Slack;
            // A replica killed holding the token cannot renew it.
            var holderKilled = token.Replica is { } holder && _fleet.DownDuring(holder, token.Start, renewalEnd) is not null;
            if (replacedEarly || invalidated || !hadTraffic || holderKilled || _stalls.Overlapping(refreshFrom, renewalEnd) is not null)
            {
                continue;
            }

            due++;
            var renewalTo = model.UsableUntilLatest(token.End!.Value) + SoakTimes.Slack;
            if (!_attempts[provider.Name].Any(a => a.Start >= refreshFrom && a.Start <= renewalTo))
            {
                missed.Add($"token obtained at {token.End:HH:mm:ss.fff} not renewed between {refreshFrom:HH:mm:ss.fff} and {renewalTo:HH:mm:ss.fff}");
            }
        }

        return (due, missed);
    }

    /// <summary>
    /// When the SKLM session id a fetch obtained died of idleness: its last accepted use plus the idle timeout (the store
    /// knows both). Besides the scheduled quiet periods this catches ids that sat idle because the proxy was stalled.
    /// </summary>
    private DateTimeOffset IdleDeath(TokenCall fetch)
    {
        var death = DateTimeOffset.MaxValue;
        foreach (var token in _sklmTokens)
        {
            if (token.IssuedAt >= fetch.Start - TimeSpan.FromMilliseconds(5) && token.IssuedAt <= fetch.End!.Value + TimeSpan.FromMilliseconds(5) &&
                token.IdleTimeout is { } idle && token.LastUsed + idle < death)
            {
                death = token.LastUsed + idle;
            }
        }

        return death;
    }

    /// <summary>
    /// The proxy may reject during backoff no longer than the schedule allows: after n consecutive failures, up to
    /// 2^(n-1) s (+20% jitter, capped at 60 s, at least the 1 s Retry-After), counted from the end of the last attempt.
    /// </summary>
    private string? BackoffTooLong(string provider, ClientResult result)
    {
        // A replica's backoff ends only with its own success (it consults nobody while backing off), while another
        // replica's failure it waited for counts against it too (docs/tokens.md, "Across a fleet").
        var attempts = _attempts[provider].Where(a => a.Start <= result.End && (!a.Succeeded || a.Replica is null || a.Replica == result.Replica)).ToList();
        if (attempts.Count == 0 || attempts[^1].End is not { } lastEnd)
        {
            return null;
        }

        var failures = 0;
        for (var i = attempts.Count - 1; i >= 0 && !attempts[i].Succeeded; i--)
        {
            failures++;
        }

        if (failures == 0)
        {
            return null;
        }

        var allowed = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, failures - 1)) * 1.2) + SoakTimes.Slack * 2;
        var waited = result.End - lastEnd;
        return waited > allowed
            ? $"still backing off {Seconds(waited)} after the last attempt ({failures} consecutive failure(s) allow {Seconds(allowed)})"
            : null;
    }

    private static string Describe(FaultKind kind) => kind switch
    {
        FaultKind.ServerError => "500",
        FaultKind.Hang => "hang",
        _ => "429",
    };

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static string Ago(DateTimeOffset earlier, DateTimeOffset later) => Seconds(later - earlier);

    internal static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
}

/// <summary>One fetch of a provider as the emulators saw it: the first-step call and, for a two-step flow, the second.</summary>
internal sealed record FetchAttempt(DateTimeOffset Start, DateTimeOffset? End, bool Succeeded, int? Replica = null)
{
    /// <summary>Groups a provider's token calls into fetches: each first-step call opens one; a second step joins the open one.</summary>
    public static List<FetchAttempt> Group(IEnumerable<TokenCall> calls)
    {
        var attempts = new List<FetchAttempt>();
        TokenCall? first = null;
        TokenCall? second = null;
        foreach (var call in calls.OrderBy(c => c.Start))
        {
            if (call.IsFirstStep)
            {
                Close();
                first = call;
                second = null;
            }
            else if (first is not null && second is null)
            {
                second = call;
            }
        }

        Close();
        return attempts;

        void Close()
        {
            if (first is null)
            {
                return;
            }

            var last = second ?? first;
            var succeeded = first.Provider.FirstPath == first.Provider.FinalPath
                ? first.Succeeded
                : first.Status == 200 && first.Injected is null && second is { Succeeded: true };
            var end = first.End is null || (second is not null && second.End is null) ? null : last.End;
            attempts.Add(new FetchAttempt(first.Start, end, succeeded, first.Replica));
        }
    }
}
