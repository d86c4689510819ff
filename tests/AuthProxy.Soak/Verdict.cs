using System.Globalization;
using System.Text;
using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Soak;

/// <summary>The pass criteria applied to a finished run, and the summary table.</summary>
internal sealed class Verdict
{
    private readonly List<string> _lines = [];
    private readonly List<string> _breaches = [];

    public bool Passed => _breaches.Count == 0;

    public IReadOnlyList<string> Breaches => _breaches;

    /// <summary>Every answer judged trouble, one line each (troubles.txt), for diagnosis.</summary>
    public List<string> TroubleLines { get; } = [];

    public static Verdict Build(RunData data)
    {
        var verdict = new Verdict();
        verdict.Evaluate(data);
        return verdict;
    }

    public void Print(TextWriter writer) => writer.Write(ToText());

    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var line in _lines)
        {
            text.AppendLine(line);
        }

        text.AppendLine();
        if (Passed)
        {
            text.AppendLine("RESULT: PASS");
        }
        else
        {
            text.AppendLine($"RESULT: FAIL — {_breaches.Count} breach(es):");
            foreach (var breach in _breaches)
            {
                text.AppendLine("  ✗ " + breach);
            }
        }

        return text.ToString();
    }

    private void Line(string label, string value) => _lines.Add($"{label,-24}{value}");

    private void Breach(string text) => _breaches.Add(text);

    private static string F(double value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);

    private void Evaluate(RunData data)
    {
        var o = data.Options;
        var results = data.Load.Results.ToList();
        var duration = data.LoadEnd - data.T0;
        _lines.Add("");
        _lines.Add($"=== AuthProxy soak: {F(duration.TotalSeconds)} s, {o.Replicas} replica(s), {o.Clients} clients, faults {FaultsParser.Describe(o.Faults)}, seed {o.Seed} ===");
        foreach (var problem in data.SetupProblems)
        {
            Breach(problem);
        }

        // A proxy whose log backed up blocks every request that logs (README, Limits): not judged, like the load's trouble.
        if (data.BarrageStopped is { } stopped)
        {
            if (data.Stalls.Overlapping(stopped.At - TimeSpan.FromSeconds(15), stopped.At) is { } stall)
            {
                Line("  not judged", $"{stopped.Text} (during a stall: {stall.Reason})");
            }
            else
            {
                Breach(stopped.Text);
            }
        }

        var analysis = EvaluateRequests(data, results);
        EvaluateProviders(data, results, duration, analysis);
        EvaluateFleet(data);
        EvaluateUpstream(data);
        EvaluateConfigEdits(data);
        EvaluateProcess(data);
        EvaluateSecrets(data);
        EvaluateBarrage(data);
    }

    private TroubleAnalysis EvaluateRequests(RunData data, List<ClientResult> results)
    {
        var answered = results.Where(r => r.Outcome == ClientOutcome.Answered).ToList();
        Line("Requests", $"{results.Count} sent: {answered.Count} answered, {Count(results, ClientOutcome.Cancelled)} cancelled by the client, " +
            $"{Count(results, ClientOutcome.BodyAborted)} body aborted by the client, {Count(results, ClientOutcome.TransportError)} transport errors, " +
            $"{Count(results, ClientOutcome.TimedOut)} timeouts");
        Line("  by status", string.Join("  ", answered.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}")));
        var latencies = answered.Select(r => r.Latency.TotalMilliseconds).Order().ToList();
        Line("  latency (answered)", $"p50 {F(LoadGenerator.Percentile(latencies, 0.50), "0.0")} ms   p99 {F(LoadGenerator.Percentile(latencies, 0.99), "0.0")} ms   " +
            $"max {F(latencies.Count == 0 ? 0 : latencies[^1], "0")} ms");
        var perRoute = answered.GroupBy(r => r.Operation.Route).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} {g.Count()}{(g.Any(r => r.Status is not (200 or 201)) ? $" ({g.Count(r => r.Status is not (200 or 201))} not 2xx)" : "")}");
        Line("  by route", string.Join(", ", perRoute));

        List<DateTimeOffset> revocations;
        lock (data.Schedule.Revocations)
        {
            revocations = [.. data.Schedule.Revocations];
        }

        var analysis = new TroubleAnalysis(data.Options, data.Config, data.Observatory, data.Injector, revocations, results, data.Stalls, data.Emulators.Tokens,
            data.Fleet, data.FleetChaos);
        var all = results.Select(analysis.Classify).OfType<Trouble>().ToList();
        // Clients of a killed replica: the fault the soak caused, not token trouble (neither judged nor in the excused share).
        var replicaDown = all.Where(t => t.FaultCaused).ToList();
        var troubles = all.Where(t => !t.FaultCaused).ToList();
        TroubleLines.AddRange(all.OrderBy(t => t.Result.Start).Select(t =>
            $"+{F((t.Result.Start - data.T0).TotalSeconds, "0.000")} #{t.Result.Id} r{t.Result.Replica} {t.Result.Operation.Route} {t.Result.Outcome} {t.Result.Status} " +
            $"{(t.FaultCaused ? "FAULT" : t.Environmental ? "STALL" : t.Excused ? "excused" : "NOT-EXCUSED")}: {t.Cause}"));
        var excused = troubles.Where(t => t.Excused).ToList();
        var environmental = troubles.Where(t => t.Environmental).ToList();
        var unexcused = troubles.Where(t => !t.Excused && !t.Environmental).ToList();
        // The share bound is a safety net for the renewal path: with an old token to fall back on, excused trouble means
        // renewals failed until expiry. After a revocation (the soak's own fault) there is no old token, every IdP failure
        // is client-visible by construction, and how much depends on the seed's luck (a 60 s run once reached 16.8% when
        // a revocation met consecutive hangs); those answers are judged one by one (revoked, IdP failed since, backoff
        // within the schedule) and counted apart.
        var afterRevocation = excused.Count(t => t.Cause.StartsWith(TroubleAnalysis.RevokedCause, StringComparison.Ordinal));
        var rate = answered.Count == 0 ? 0 : (double)(excused.Count - afterRevocation) / answered.Count;
        var total = answered.Count == 0 ? 0 : (double)excused.Count / answered.Count;
        Line("Token trouble", $"{troubles.Count} answers were not the upstream's own: {excused.Count} excused ({F(total * 100, "0.00")}% of answers; " +
            $"{F(rate * 100, "0.00")}% not after a revocation), {unexcused.Count} not excused" +
            (environmental.Count > 0 ? $", {environmental.Count} not judged (soak stalls)" : ""));
        if (data.Fleet.Replicas.Count > 1)
        {
            Line("  replica down", $"{replicaDown.Count} requests to a killed replica failed without an answer (the replica-kill fault, not token trouble)");
            var outages = data.FleetChaos.RedisOutages;
            var inOutage = excused.Count(t => outages.Any(w => w.Overlaps(t.Result.Start, t.Result.End)));
            Line("  in Redis faults", $"{inOutage} excused answers fell in a Redis fault (+{F(FleetChaos.Recovery.TotalSeconds)} s), each on IdP failures: Redis trouble excuses nothing");
        }

        foreach (var group in excused.GroupBy(t => $"{t.Provider} {t.Result.Status}").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var causes = group.GroupBy(t => Category(t.Cause)).Select(c => $"{c.Count()}× {c.Key}");
            Line("  excused", $"{group.Key}: {string.Join("; ", causes)}");
        }

        var stalls = data.Stalls.Stalls;
        var stalled = TimeSpan.FromTicks(stalls.Sum(s => (s.End - s.Start).Ticks));
        Line("Stalls", stalls.Count == 0 ? "none: the soak process (which hosts the emulators) always ran, the proxy's log never backed up"
            : string.Join("; ", stalls.GroupBy(s => s.Reason).Select(g =>
                $"{g.Key}: {g.Count()}× ({F(g.Sum(s => (s.End - s.Start).TotalSeconds), "0.0")} s, longest {F(g.Max(s => (s.End - s.Start).TotalMilliseconds))} ms)")) +
              $" — {environmental.Count} answers in them not judged");
        foreach (var trouble in environmental.Take(3))
        {
            Line("  not judged", $"+{F((trouble.Result.Start - data.T0).TotalSeconds, "0.00")} s {trouble.Result.Operation.Method} {trouble.Result.Operation.PathAndQuery}: {trouble.Cause}");
        }

        if (stalled > (data.LoadEnd - data.T0) * 0.05)
        {
            Breach($"inconclusive: stalls for {F(stalled.TotalSeconds, "0.0")} s, over 5% of the run (machine overloaded, or the proxy's log backed up)");
        }

        foreach (var trouble in unexcused.Take(12))
        {
            Line("  NOT EXCUSED", $"+{F((trouble.Result.Start - data.T0).TotalSeconds, "0.00")} s {trouble.Result.Operation.Method} {trouble.Result.Operation.PathAndQuery}: {trouble.Cause}");
        }

        if (unexcused.Count > 0)
        {
            var kinds = unexcused.GroupBy(t => t.Result.Status == 401 ? "401" : t.Result.Outcome != ClientOutcome.Answered ? t.Result.Outcome.ToString() : t.Result.Status.ToString(CultureInfo.InvariantCulture))
                .Select(g => $"{g.Count()}× {g.Key}");
            Breach($"{unexcused.Count} client answers with token trouble a correct proxy avoids ({string.Join(", ", kinds)}); first: {unexcused[0].Cause}");
        }

        if (rate > data.Options.MaxExcusedRate)
        {
            Breach($"excused token trouble not caused by a revocation on {F(rate * 100, "0.00")}% of answers, above the {F(data.Options.MaxExcusedRate * 100, "0.#")}% bound");
        }

        var retried = data.Observatory.AttemptsById.Count(p => p.Key < 10_000_000_000 && p.Value.Count >= 2);
        Line("401 retries", $"{retried} requests sent upstream twice after a 401; {revocations.Count} revocations, {data.IdleDeaths.Count} SKLM idle deaths");
        var backoff = answered.Count(r => r.Status == 503 && r.ProblemProvider is not null);
        Line("Backoff rejections", $"{backoff} client answers were 503 during a provider's backoff");
        return analysis;

        static int Count(List<ClientResult> results, ClientOutcome outcome) => results.Count(r => r.Outcome == outcome);
    }

    private static string Category(string cause)
    {
        var comma = cause.IndexOf(", and", StringComparison.Ordinal);
        return comma > 0 ? cause[..comma] + " + IdP faults" : cause;
    }

    private void EvaluateProviders(RunData data, List<ClientResult> results, TimeSpan duration, TroubleAnalysis analysis)
    {
        var calls = data.Observatory.TokenCalls.Where(c => c.Start <= data.LoadEnd).ToList();
        var injected = data.Injector.Injected.ToList();
        _lines.Add("");
        _lines.Add($"{"provider",-15}{"fetches",8}{"failed",7}{"calls",7}{"ok",5}{"500",5}{"hang",5}{"429",5}{"bound",7}{"max/1s",7}{"in-flight",10}{"retried",8}{"renewed",9}");
        foreach (var provider in SoakTopology.Providers)
        {
            var status = data.FinalStatus?.Providers.TryGetValue(provider.Name, out var s) == true ? s : default;
            var mine = calls.Where(c => c.Provider == provider).ToList();
            var first = mine.Where(c => c.IsFirstStep).OrderBy(c => c.Start).ToList();
            var ok = mine.Count(c => c.Succeeded);
            var faults = injected.Where(f => f.Provider == provider).ToList();
            var model = data.Config.Lifetime(provider);
            var bound = 0;
            if (model is not null)
            {
                var period = model.ShortestRenewalPeriod(data.Options.RefreshAfter);
                var scheduled = (int)Math.Ceiling(duration / period) + 1;
                var revocations = data.Schedule.Revocations.Count;
                var idle = provider.Emulator == "sklm" ? data.IdleDeaths.Count : 0;
                bound = scheduled + faults.Count + revocations + idle + 2 + FleetAllowance(data, period);
            }

            // Fleet-wide: at most 3 a second, like one proxy, except while Redis is out or a replica restarts (each replica alone).
            var maxPerSecond = 0;
            var alonePerSecond = 0;
            for (int i = 0, j = 0; i < first.Count; i++)
            {
                while (first[i].Start - first[j].Start >= TimeSpan.FromSeconds(1))
                {
                    j++;
                }

                if (Alone(data, first[j].Start, first[i].Start))
                {
                    alonePerSecond = Math.Max(alonePerSecond, i - j + 1);
                }
                else
                {
                    maxPerSecond = Math.Max(maxPerSecond, i - j + 1);
                }
            }

            var inflight = provider.FirstPath is null ? 0 : Math.Max(data.Observatory.MaxInflight.GetValueOrDefault(provider.FirstPath),
                data.Observatory.MaxInflight.GetValueOrDefault(provider.FinalPath!));
            var routeIds = SoakTopology.Routes.Where(r => r.Provider == provider.Name).Select(r => r.Id).ToHashSet();
            var retried = results.Count(r => routeIds.Contains(r.Operation.Route) &&
                data.Observatory.AttemptsById.TryGetValue(r.Id, out var a) && a.Count >= 2);
            var (due, missed) = analysis.MissedRenewals(provider);
            var renewed = model is null ? "-" : $"{due - missed.Count}/{due}";
            _lines.Add($"{provider.Name,-15}{status.Fetches,8}{status.Failed,7}{first.Count,7}{ok,5}{faults.Count(f => f.Kind == FaultKind.ServerError),5}" +
                $"{faults.Count(f => f.Kind == FaultKind.Hang),5}{faults.Count(f => f.Kind == FaultKind.TooManyRequests),5}{(model is null ? "-" : bound.ToString(CultureInfo.InvariantCulture)),7}" +
                $"{maxPerSecond,7}{inflight,10}{retried,8}{renewed,9}");
            if (missed.Count > 0)
            {
                Breach($"{provider.Name}: {missed.Count} of {due} tokens aged out with no renewal attempt in their refresh window although requests kept coming (no background refresh); first: {missed[0]}");
            }

            if (model is null && first.Count > 0)
            {
                Breach($"{provider.Name}: {first.Count} token requests from a provider that fetches nothing");
            }

            if (model is not null && first.Count > bound)
            {
                Breach($"{provider.Name}: {first.Count} token requests, above the bound of {bound} (duration / (lifetime × RefreshAfter) + faults + revocations + idle deaths + 2): a stampede or a hot loop");
            }

            if (maxPerSecond > 3)
            {
                Breach($"{provider.Name}: {maxPerSecond} token requests within one second (at most 3 expected: renewal, a 401 drop, a retry after backoff)");
            }

            if (alonePerSecond > 3 * data.Fleet.Replicas.Count)
            {
                Breach($"{provider.Name}: {alonePerSecond} token requests within one second while the replicas were on their own (at most 3 per replica)");
            }

            // Each replica fetches one at a time; across the fleet the lease (as long as the Timeout) may expire just as a
            // timed-out holder's request is being torn down, so the fleet's bound is one per replica.
            if (inflight > data.Fleet.Replicas.Count)
            {
                Breach($"{provider.Name}: {inflight} token requests in flight at once; the contract wants one fetch per provider (single flight{(data.Fleet.Replicas.Count > 1 ? ", one per replica" : "")})");
            }

            if (model is not null && results.Any(r => routeIds.Contains(r.Operation.Route)) && ok == 0)
            {
                Breach($"{provider.Name}: no token was ever obtained");
            }
        }

        _lines.Add("  fetches/failed: the proxy's /_authproxy/status; calls: token requests the emulator saw (first step of a flow); ok: credentials handed out;");
        _lines.Add("  500/hang/429: injected IdP faults; in-flight: most concurrent token requests; retried: client requests sent upstream twice after a 401;");
        _lines.Add("  renewed: tokens renewed in their refresh window / tokens that reached it with traffic (not revoked or replaced first).");
        if (data.Fleet.Replicas.Count > 1)
        {
            _lines.Add("  counts are the fleet's (every replica's token requests); bound adds, per Redis fault, (replicas − 1) × (its length + 6 s) / renewal period + 1,");
            _lines.Add("  and 2 per replica restart (its held request, a fetch of its own): the fetches of replicas on their own.");
        }

        _lines.Add("");
    }

    private void EvaluateUpstream(RunData data)
    {
        var attempts = data.Observatory.Attempts.ToList();
        var bad = attempts.Where(a => a.State is TokenState.NearExpiry or TokenState.Expired).ToList();
        Line("Upstream requests", $"{attempts.Count}: " + string.Join(", ", attempts.GroupBy(a => a.State).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
        var minLeft = attempts.Where(a => a.Remaining is not null && a.State is TokenState.Ok or TokenState.NearExpiry or TokenState.Expired)
            .GroupBy(a => a.Credential).Select(g => $"{g.Key} {F(g.Min(a => a.Remaining!.Value.TotalMilliseconds))} ms");
        Line("  least time left", string.Join(", ", minLeft) + $" (near-expiry window {F(data.Options.NearExpiryWindow.TotalMilliseconds)} ms)");
        foreach (var (name, counters) in new[] { ("keyprotect", data.Emulators.KeyProtect.Counters), ("cloudpak", data.Emulators.CloudPak.Counters), ("sklm", data.Emulators.Sklm.Counters), ("iam", data.Emulators.Iam.Counters) })
        {
            var rejections = counters.RejectionsByReason();
            Line($"  {name} rejections", rejections.Count == 0 ? "none" : string.Join(", ", rejections.Select(p => $"{p.Key} {p.Value}")));
        }

        if (bad.Count > 0)
        {
            var first = bad[0];
            Breach($"{bad.Count} upstream requests carried a token inside its expiry window ({string.Join(", ", bad.GroupBy(b => b.State).Select(g => $"{g.Key} {g.Count()}"))}); " +
                $"first: {first.Credential} token with {F(first.Remaining?.TotalMilliseconds ?? 0)} ms left on {first.Emulator} {first.RawTarget}");
        }

        var nearExpiry = data.Emulators.KeyProtect.Counters.Rejections(RejectionReason.NearExpiry) + data.Emulators.CloudPak.Counters.Rejections(RejectionReason.NearExpiry) +
            data.Emulators.Sklm.Counters.Rejections(RejectionReason.NearExpiry);
        var expired = data.Emulators.KeyProtect.Counters.Rejections(RejectionReason.Expired) + data.Emulators.CloudPak.Counters.Rejections(RejectionReason.Expired);
        if (bad.Count == 0 && nearExpiry + expired > 0)
        {
            Breach($"the emulators refused {nearExpiry} near-expiry and {expired} expired tokens");
        }

        var cross = data.Observatory.CrossCredentials.ToList();
        Line("Wrong credentials", cross.Count == 0 ? "none: every upstream received only its own route's credential" : $"{cross.Count}: {cross[0]}");
        if (cross.Count > 0)
        {
            Breach($"{cross.Count} requests carried a credential to the wrong upstream or forwarded the client's own; first: {cross[0]}");
        }

        var stray = data.Observatory.StrayTokenEmulatorRequests.ToList();
        if (stray.Count > 0)
        {
            Breach($"{stray.Count} non-token requests reached the IAM emulator; first: {stray[0]}");
        }

        var truncated = data.LoadPhaseBadRequests;
        if (truncated > 0)
        {
            Breach($"{truncated} upstream requests were malformed (e.g. a body the client aborted, forwarded truncated)");
        }
    }

    private void EvaluateConfigEdits(RunData data)
    {
        var edits = data.Schedule.Edits.OrderBy(e => e.WrittenAt).ToList();
        var valid = edits.Where(e => e.Edit.Valid).ToList();
        var invalid = edits.Where(e => !e.Edit.Valid).ToList();
        Line("Config edits", $"{edits.Count} during the load: {valid.Count} valid, applied in " +
            string.Join("/", valid.Select(e => e.Took is { } t ? F(t.TotalSeconds, "0.0") + " s" : "never")) +
            $"; {invalid.Count} invalid, rejected in " + string.Join("/", invalid.Select(e => e.Took is { } t ? F(t.TotalSeconds, "0.0") + " s" : "never")));
        // A proxy frozen by a stall (its log backed up, or the machine) cannot answer in time: reported, not judged.
        foreach (var edit in edits.Where(e => e.Problem is not null))
        {
            var written = data.T0 + edit.WrittenAt;
            var text = $"config edit '{edit.Edit.Name}' ({edit.Mode}) at +{F(edit.WrittenAt.TotalSeconds)} s: {edit.Problem}";
            if (data.Stalls.Overlapping(written, written + SoakTimes.ReloadDeadline) is { } stall)
            {
                Line("  not judged", $"{text} (during a stall: {stall.Reason})");
            }
            else
            {
                Breach(text);
            }
        }

        foreach (var (at, problem) in data.Schedule.ReadinessProblems)
        {
            if (data.Stalls.Overlapping(at - TimeSpan.FromSeconds(5), at) is { } stall)
            {
                Line("  not judged", $"readiness: {problem} (during a stall: {stall.Reason})");
            }
            else
            {
                Breach("readiness: " + problem);
            }
        }
    }

    private void EvaluateProcess(RunData data)
    {
        var o = data.Options;
        if (data.Samples.Count >= 2)
        {
            var (start, end) = (data.Samples[0], data.Samples[^1]);
            Line("Proxy process", $"RSS {F(start.RssMiB)} → {F(end.RssMiB)} MiB (peak {F(data.Samples.Max(s => s.RssMiB))}), fds {start.Handles} → {end.Handles}, " +
                $"threads {start.Threads} → {end.Threads} (from +{F(start.At.TotalSeconds)} s to +{F(end.At.TotalSeconds)} s)");
            if (end.RssMiB - start.RssMiB > o.MaxRssGrowthMiB)
            {
                Breach($"RSS grew {F(end.RssMiB - start.RssMiB)} MiB after warm-up (allowed {F(o.MaxRssGrowthMiB)} MiB): a leak?");
            }

            if (end.Handles - start.Handles > o.MaxHandleGrowth)
            {
                Breach($"open file descriptors grew from {start.Handles} to {end.Handles} after warm-up (allowed +{o.MaxHandleGrowth}): a handle leak?");
            }

            if (end.Threads - start.Threads > o.MaxThreadGrowth)
            {
                Breach($"threads grew from {start.Threads} to {end.Threads} after warm-up (allowed +{o.MaxThreadGrowth})");
            }
        }
        else
        {
            Breach("the proxy's resources could not be sampled");
        }

        foreach (var replica in data.Fleet.Replicas)
        {
            var proxy = replica.Process;
            var who = data.Fleet.Replicas.Count > 1 ? $" (replica {replica.Index})" : "";
            var stop = proxy.GracefulStop is { } took ? $"exit code {proxy.ExitCode} {F(took.TotalSeconds, "0.0")} s after SIGTERM" : "killed: did not exit within 10 s of SIGTERM";
            Line("  shutdown" + who, stop);
            if (proxy.GracefulStop is null || proxy.ExitCode != 0)
            {
                Breach($"the proxy{who} did not stop cleanly on SIGTERM: " + stop);
            }
        }

        // Lines start with "HH:mm:ss.fff " (the soak turns timestamps on), then the level.
        static bool IsError(string line)
        {
            var text = line.Length > 13 && char.IsAsciiDigit(line[0]) ? line[13..] : line;
            return text.StartsWith("fail:", StringComparison.Ordinal) || text.StartsWith("crit:", StringComparison.Ordinal);
        }

        foreach (var replica in data.Fleet.Replicas)
        {
            var errors = File.Exists(replica.LogPath) ? File.ReadLines(replica.LogPath).Count(IsError) : 0;
            Line("  log", $"{errors} error/critical entries in {replica.LogPath}");
        }
    }

    /// <summary>Whether replicas may have fetched alone in [from, to]: a Redis fault (plus recovery) or a replica down.</summary>
    private static bool Alone(RunData data, DateTimeOffset from, DateTimeOffset to) =>
        data.FleetChaos.RedisOutages.Any(w => w.Overlaps(from, to)) ||
        data.Fleet.Replicas.Any(r => r.Down.Any(w => (w with { End = w.End + FleetChaos.Recovery }).Overlaps(from, to)));

    /// <summary>
    /// Extra token requests a fleet may make: while Redis is out each replica renews for itself, (replicas − 1) more per
    /// renewal period of the outage; a restarted replica may fetch once more; the held request of a replica-kill.
    /// </summary>
    private static int FleetAllowance(RunData data, TimeSpan period)
    {
        var others = data.Fleet.Replicas.Count - 1;
        if (others == 0)
        {
            return 0;
        }

        var alone = data.FleetChaos.RedisOutages.Sum(w => (int)Math.Ceiling((w.End - w.Start) / period) + 1);
        var restarts = data.Fleet.Replicas.Sum(r => r.Restarts);
        return (others * alone) + (2 * restarts);
    }

    /// <summary>The fleet: Redis faults, replica kills, each replica's use of the shared cache (its /_authproxy/status tokenCache).</summary>
    private void EvaluateFleet(RunData data)
    {
        if (data.Fleet.Replicas.Count < 2)
        {
            return;
        }

        var faults = data.FleetChaos.Faults.OrderBy(f => f.Window.Start).ToList();
        Line("Fleet", $"{data.Fleet.Replicas.Count} replicas on one Redis ({data.Fleet.Redis?.Configuration}); {faults.Count} fleet faults");
        foreach (var fault in faults)
        {
            Line($"  {fault.Kind}", $"+{F((fault.Window.Start - data.T0).TotalSeconds, "0.0")} s for {F((fault.Window.End - fault.Window.Start).TotalSeconds, "0.0")} s: {fault.Detail}");
        }

        var skipped = data.FleetChaos.SkippedRevocations.ToList();
        if (skipped.Count > 0)
        {
            Line("  revocations skipped", $"{skipped.Count} (at {string.Join(", ", skipped.Select(t => "+" + F((t - data.T0).TotalSeconds)))} s): within a Redis fault's aftermath (-revoke-after-redis)");
        }

        var calls = data.Observatory.TokenCalls.Where(c => c.Start <= data.LoadEnd && c.IsFirstStep).ToList();
        Line("  token requests", string.Join(", ", data.Fleet.Replicas.Select(r => $"replica {r.Index} {calls.Count(c => c.Replica == r.Index)}")) +
            $", unattributed {calls.Count(c => c.Replica is null)}; total {calls.Count}");
        var outages = data.FleetChaos.RedisOutages;
        foreach (var replica in data.Fleet.Replicas)
        {
            var status = replica.Index < data.ReplicaStatus.Count ? data.ReplicaStatus[replica.Index] : null;
            var states = data.Schedule.TokenCacheStates.Where(s => s.Replica == replica.Index).ToList();
            var degraded = states.Count(s => s.State != "connected");
            var since = replica.Restarts > 0 ? " (since its restart)" : "";
            Line($"  replica {replica.Index}", status?.TokenCache is { } c
                ? $"tokenCache {c.State}: hits {c.Hits}, misses {c.Misses}, fallbacks {c.Fallbacks}, lock waits {c.LockWaits}{since}; polled degraded {degraded}/{states.Count}; restarts {replica.Restarts}"
                : $"no tokenCache in its status; restarts {replica.Restarts}");
            var quietSince = outages.Count == 0 ? data.T0 : outages.Max(w => w.End);
            if (status?.TokenCache is { State: not "connected" } cache && quietSince < data.LoadEnd)
            {
                Breach($"replica {replica.Index}: the shared token cache is still {cache.State} at the end, {F((data.LoadEnd - quietSince).TotalSeconds, "0.0")} s after the last Redis fault (it should reconnect by itself)");
            }
        }
    }

    private void EvaluateSecrets(RunData data)
    {
        if (data.Secrets is not { } scan)
        {
            return;
        }

        Line("Secrets in output", $"{scan.Findings.Count} found (scanned {F(scan.LogBytes / 1048576.0, "0.0")} MiB of Debug log and {scan.DocumentsScanned} status/problem documents " +
            $"for {data.Config.Secrets.Count} configured secrets and {scan.TokensKnown} issued tokens)");
        if (scan.Findings.Count > 0)
        {
            var kinds = scan.Findings.GroupBy(f => f.Kind).Select(g => $"{g.Count()}× {g.Key}");
            Breach($"secrets in the proxy's output: {string.Join(", ", kinds)}; first at {scan.Findings[0].Where}");
        }
    }

    private void EvaluateBarrage(RunData data)
    {
        if (data.Barrage.Count == 0)
        {
            return;
        }

        var failed = data.Barrage.Where(c => !c.Passed).ToList();
        Line("Bad-input barrage", $"{data.Barrage.Count} probes, {failed.Count} failed");
        foreach (var group in data.Barrage.GroupBy(c => c.Group))
        {
            _lines.Add($"  [{group.Key}]");
            foreach (var c in group)
            {
                _lines.Add($"    {(c.Passed ? "ok  " : "FAIL")} {c.Name}: {c.Actual}{(c.Passed ? "" : $" (expected {c.Expected})")}");
            }
        }

        foreach (var c in failed)
        {
            Breach($"barrage [{c.Group}] {c.Name}: expected {c.Expected}, got {c.Actual}");
        }
    }
}
