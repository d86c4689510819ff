using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using AuthProxy.Sandbox.Hosting;

namespace AuthProxy.Soak;

/// <summary>What became of one config edit written during the load.</summary>
internal sealed class ConfigEditResult
{
    public required ConfigEdit Edit { get; init; }

    public required WriteMode Mode { get; init; }

    public required TimeSpan WrittenAt { get; init; }

    /// <summary>How long until the proxy applied (valid) or reported rejecting (invalid) it; null when it did not within the deadline.</summary>
    public TimeSpan? Took { get; set; }

    public string? ReportedError { get; set; }

    public string? Problem { get; set; }
}

/// <summary>
/// The fault schedule of the load phase: revocations every 10 s (at 5, 15, 25 s…), config edits every 10 s (at 10, 20,
/// 30 s…) alternating valid and invalid and cycling through the three write modes, and a poll of the status endpoint
/// every 2 s. Each edit is checked against docs/operations.md, "Live reload" while the load goes on.
/// </summary>
internal sealed class ChaosSchedule(SandboxEmulators emulators, Observatory observatory, SoakConfig config, ConfigFileLayout file, SoakFleet fleet, SoakOptions options,
    DateTimeOffset t0) : IDisposable
{
    private readonly SemaphoreSlim _fileGate = new(1, 1);
    private int _generation = 1;
    private volatile bool _fileValid = true;

    public List<DateTimeOffset> Revocations { get; } = [];

    public ConcurrentQueue<ConfigEditResult> Edits { get; } = new();

    /// <summary>Every status document read, for the secret scan and the final fetch counts.</summary>
    public ConcurrentQueue<string> StatusBodies { get; } = new();

    /// <summary>Each replica's <c>tokenCache.state</c> as polled: (when, replica, connected/degraded).</summary>
    public ConcurrentQueue<(DateTimeOffset At, int Replica, string State)> TokenCacheStates { get; } = new();

    /// <summary>Readiness failures seen while polling (must stay 200 through rejected edits).</summary>
    public ConcurrentQueue<(DateTimeOffset At, string Text)> ReadinessProblems { get; } = new();

    public int Generation => Volatile.Read(ref _generation);

    /// <summary>Asked before each revocation; true skips it (the fleet's Redis-fault aftermath, see <see cref="FleetChaos.InRedisAftermath"/>).</summary>
    public Func<DateTimeOffset, bool>? SkipRevocation { get; set; }

    public void Dispose() => _fileGate.Dispose();

    /// <summary>
    /// Runs <paramref name="action"/> (a replica's start-up, which reads the file) while the config file holds a valid
    /// edit, keeping edits out until it is done: a proxy refuses to start on an invalid file, as it should.
    /// </summary>
    public async Task WithValidFileAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _fileGate.WaitAsync(cancellationToken);
            try
            {
                if (_fileValid)
                {
                    await action();
                    return;
                }
            }
            finally
            {
                _fileGate.Release();
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public async Task RunAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var clients = fleet.Replicas.Select(r => new HttpClient { BaseAddress = new Uri(r.Url), Timeout = TimeSpan.FromSeconds(5) }).ToList();
        try
        {
            await RunCoreAsync(clients, deadline, cancellationToken);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    private async Task RunCoreAsync(List<HttpClient> clients, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var checks = new List<Task>();
        var poll = Task.WhenAll(clients.Select((http, i) => PollStatusAsync(http, i, deadline, cancellationToken)));
        var editIndex = 0;
        var nextRevocation = t0 + SoakTimes.RevocationOffset;
        var nextEdit = t0 + SoakTimes.ConfigEditPeriod;
        while (!cancellationToken.IsCancellationRequested)
        {
            var revoke = options.Faults.HasFlag(Faults.Revocations) || options.Faults.HasFlag(Faults.RevokeBurst) ? nextRevocation : DateTimeOffset.MaxValue;
            var edit = options.Faults.HasFlag(Faults.ConfigEdits) ? nextEdit : DateTimeOffset.MaxValue;
            var at = revoke < edit ? revoke : edit;
            // Leave the last seconds of the run free of new faults, so every check has time to finish.
            if (at > deadline - TimeSpan.FromSeconds(3))
            {
                break;
            }

            var wait = at - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            if (at == revoke && SkipRevocation?.Invoke(DateTimeOffset.UtcNow) == true)
            {
                nextRevocation += SoakTimes.RevocationPeriod;
            }
            else if (at == revoke)
            {
                RevokeAll();
                if (options.Faults.HasFlag(Faults.RevokeBurst))
                {
                    checks.Add(Task.Delay(400, cancellationToken).ContinueWith(_ => RevokeAll(), cancellationToken, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default));
                }

                nextRevocation += SoakTimes.RevocationPeriod;
            }
            else
            {
                editIndex++;
                checks.Add(EditAsync(clients, editIndex, cancellationToken));
                nextEdit += SoakTimes.ConfigEditPeriod;
            }
        }

        await Task.WhenAll(checks);
        await poll;
    }

    private void RevokeAll()
    {
        lock (Revocations)
        {
            Revocations.Add(DateTimeOffset.UtcNow);
        }

        emulators.KeyProtect.RevokeAll();
        emulators.CloudPak.RevokeAll();
        emulators.Sklm.RevokeAll();
    }

    /// <summary>Writes edit <paramref name="index"/> and checks every replica that was up throughout applies or rejects it in time.</summary>
    private async Task EditAsync(List<HttpClient> clients, int index, CancellationToken cancellationToken)
    {
        var mode = (WriteMode)((index - 1) % 3);
        var valid = index % 2 == 1;
        var edit = valid ? config.Valid(Interlocked.Increment(ref _generation)) : config.Invalid(index / 2 - 1, Generation);
        DateTimeOffset written;
        await _fileGate.WaitAsync(cancellationToken);
        try
        {
            written = DateTimeOffset.UtcNow;
            file.Write(edit.Bytes, mode);
            _fileValid = valid;
        }
        finally
        {
            _fileGate.Release();
        }

        var result = new ConfigEditResult { Edit = edit, Mode = mode, WrittenAt = written - t0 };
        Edits.Enqueue(result);
        var deadline = written + SoakTimes.ReloadDeadline + TimeSpan.FromMilliseconds(500);
        var pending = Enumerable.Range(0, clients.Count).ToHashSet();
        var took = TimeSpan.Zero;
        while (DateTimeOffset.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            // A replica killed meanwhile reads the file again when it restarts: nothing to check on it.
            pending.RemoveWhere(i => fleet.DownDuring(i, written, deadline) is not null);
            foreach (var i in pending.ToList())
            {
                if (valid && edit.Generation is { } g && observatory.GenerationSeenBy.TryGetValue((g, i), out var seen))
                {
                    took = Max(took, seen - written);
                    pending.Remove(i);
                }
                else if (!valid && await ReadStatusAsync(clients[i], cancellationToken) is { } status && status.LastReloadError is { } error &&
                    error.Contains(edit.ExpectedError!, StringComparison.Ordinal))
                {
                    took = Max(took, DateTimeOffset.UtcNow - written);
                    result.ReportedError = error;
                    if (await ReadinessProblemAsync(clients[i], cancellationToken) is { } problem)
                    {
                        result.Problem = $"replica {i}: {problem}";
                    }

                    pending.Remove(i);
                }
            }

            if (pending.Count == 0)
            {
                result.Took = took;
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        var which = fleet.Replicas.Count > 1 ? $"replica {string.Join(", ", pending)}: " : "";
        if (valid)
        {
            result.Problem = $"{which}generation {edit.Generation} never reached an upstream within {SoakTimes.ReloadDeadline.TotalSeconds:0} s";
        }
        else
        {
            var status = await ReadStatusAsync(clients[pending.First()], cancellationToken);
            result.ReportedError = status?.LastReloadError;
            result.Problem = $"{which}the status endpoint did not report an error containing '{edit.ExpectedError}' within {SoakTimes.ReloadDeadline.TotalSeconds:0} s" +
                $" (lastReloadError: {status?.LastReloadError ?? "null"})";
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static async Task<string?> ReadinessProblemAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            using var ready = await http.GetAsync("/readyz", cancellationToken);
            return ready.StatusCode != HttpStatusCode.OK ? $"/readyz answered {(int)ready.StatusCode} after the rejected edit" : null;
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return $"/readyz failed after the rejected edit: {ex.Message}";
        }
    }

    private async Task PollStatusAsync(HttpClient http, int replica, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var who = fleet.Replicas.Count > 1 ? $"replica {replica} " : "";
        while (DateTimeOffset.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            var asked = DateTimeOffset.UtcNow;
            if (await ReadStatusAsync(http, cancellationToken) is { TokenCache: { } cache })
            {
                TokenCacheStates.Enqueue((asked, replica, cache.State));
            }

            string? problem = null;
            try
            {
                using var ready = await http.GetAsync("/readyz", cancellationToken);
                if (ready.StatusCode != HttpStatusCode.OK)
                {
                    problem = $"/readyz answered {(int)ready.StatusCode}";
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                problem = $"/readyz failed: {ex.Message}";
            }

            // A killed replica answers nothing until it is back: the replica-kill fault, not a readiness problem.
            if (problem is not null && fleet.DownDuring(replica, asked - TimeSpan.FromSeconds(1), DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1)) is null)
            {
                ReadinessProblems.Enqueue((DateTimeOffset.UtcNow, $"+{(DateTimeOffset.UtcNow - t0).TotalSeconds:0.0} s: {who}{problem}"));
            }

            await Task.Delay(2000, cancellationToken);
        }
    }

    /// <summary>Reads <c>/_authproxy/status</c>; null when it could not be read.</summary>
    public async Task<ProxyStatus?> ReadStatusAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            var body = await http.GetStringAsync("/_authproxy/status", cancellationToken);
            StatusBodies.Enqueue(body);
            return ProxyStatus.Parse(body);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}

/// <summary>The parts of <c>/_authproxy/status</c> the soak reads.</summary>
internal sealed record ProxyStatus(IReadOnlyDictionary<string, (long Fetches, long Failed, string State)> Providers, string? LastReloadError, DateTimeOffset? LoadedAt,
    TokenCacheFigures? TokenCache = null)
{
    /// <summary>The fleet's figures: fetches and failures summed over the replicas (null ones skipped), states of the first.</summary>
    public static ProxyStatus? Sum(IReadOnlyList<ProxyStatus?> replicas)
    {
        var read = replicas.OfType<ProxyStatus>().ToList();
        if (read.Count <= 1)
        {
            return read.FirstOrDefault();
        }

        var providers = new Dictionary<string, (long, long, string)>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in read.SelectMany(r => r.Providers.Keys).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var each = read.Where(r => r.Providers.ContainsKey(name)).Select(r => r.Providers[name]).ToList();
            providers[name] = (each.Sum(p => p.Fetches), each.Sum(p => p.Failed), each[0].State);
        }

        return read[0] with { Providers = providers };
    }

    public static ProxyStatus Parse(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var providers = new Dictionary<string, (long, long, string)>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in doc.RootElement.GetProperty("providers").EnumerateObject())
        {
            providers[p.Name] = (p.Value.GetProperty("fetches").GetInt64(),
                p.Value.TryGetProperty("failedFetches", out var f) ? f.GetInt64() : 0,
                p.Value.GetProperty("state").GetString() ?? "");
        }

        var config = doc.RootElement.GetProperty("config");
        var error = config.GetProperty("lastReloadError");
        var loaded = config.GetProperty("loadedAt");
        TokenCacheFigures? cache = null;
        if (doc.RootElement.TryGetProperty("tokenCache", out var c) && c.ValueKind == JsonValueKind.Object)
        {
            cache = new TokenCacheFigures(c.GetProperty("state").GetString() ?? "", c.GetProperty("hits").GetInt64(), c.GetProperty("misses").GetInt64(),
                c.GetProperty("fallbacks").GetInt64(), c.GetProperty("lockWaits").GetInt64());
        }

        return new ProxyStatus(providers, error.ValueKind == JsonValueKind.String ? error.GetString() : null,
            loaded.ValueKind == JsonValueKind.String ? loaded.GetDateTimeOffset() : null, cache);
    }
}

/// <summary>The status document's <c>tokenCache</c>: this replica's use of the shared cache (since its start).</summary>
internal sealed record TokenCacheFigures(string State, long Hits, long Misses, long Fallbacks, long LockWaits);
