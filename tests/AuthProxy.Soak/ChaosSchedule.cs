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
/// every 2 s. Each edit is checked against CONTRACT §6 while the load goes on.
/// </summary>
internal sealed class ChaosSchedule(SandboxEmulators emulators, Observatory observatory, SoakConfig config, ConfigFileLayout file, string proxyUrl, SoakOptions options,
    DateTimeOffset t0)
{
    private int _generation = 1;

    public List<DateTimeOffset> Revocations { get; } = [];

    public ConcurrentQueue<ConfigEditResult> Edits { get; } = new();

    /// <summary>Every status document read, for the secret scan and the final fetch counts.</summary>
    public ConcurrentQueue<string> StatusBodies { get; } = new();

    /// <summary>Readiness failures seen while polling (must stay 200 through rejected edits).</summary>
    public ConcurrentQueue<(DateTimeOffset At, string Text)> ReadinessProblems { get; } = new();

    public int Generation => Volatile.Read(ref _generation);

    public async Task RunAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(proxyUrl), Timeout = TimeSpan.FromSeconds(5) };
        var checks = new List<Task>();
        var poll = PollStatusAsync(http, deadline, cancellationToken);
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

            if (at == revoke)
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
                checks.Add(EditAsync(http, editIndex, cancellationToken));
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

    private async Task EditAsync(HttpClient http, int index, CancellationToken cancellationToken)
    {
        var mode = (WriteMode)((index - 1) % 3);
        var valid = index % 2 == 1;
        var edit = valid ? config.Valid(Interlocked.Increment(ref _generation)) : config.Invalid(index / 2 - 1, Generation);
        var written = DateTimeOffset.UtcNow;
        file.Write(edit.Bytes, mode);
        var result = new ConfigEditResult { Edit = edit, Mode = mode, WrittenAt = written - t0 };
        Edits.Enqueue(result);
        var deadline = written + SoakTimes.ReloadDeadline + TimeSpan.FromMilliseconds(500);
        while (DateTimeOffset.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            if (valid && edit.Generation is { } g && observatory.GenerationFirstSeen.TryGetValue(g, out var seen))
            {
                result.Took = seen - written;
                return;
            }

            if (!valid && await ReadStatusAsync(http, cancellationToken) is { } status && status.LastReloadError is { } error &&
                error.Contains(edit.ExpectedError!, StringComparison.Ordinal))
            {
                result.Took = DateTimeOffset.UtcNow - written;
                result.ReportedError = error;
                try
                {
                    using var ready = await http.GetAsync("/readyz", cancellationToken);
                    if (ready.StatusCode != HttpStatusCode.OK)
                    {
                        result.Problem = $"/readyz answered {(int)ready.StatusCode} after the rejected edit";
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    result.Problem = $"/readyz failed after the rejected edit: {ex.Message}";
                }

                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        if (valid)
        {
            result.Problem = $"generation {edit.Generation} never reached an upstream within {SoakTimes.ReloadDeadline.TotalSeconds:0} s";
        }
        else
        {
            var status = await ReadStatusAsync(http, cancellationToken);
            result.ReportedError = status?.LastReloadError;
            result.Problem = $"the status endpoint did not report an error containing '{edit.ExpectedError}' within {SoakTimes.ReloadDeadline.TotalSeconds:0} s" +
                $" (lastReloadError: {status?.LastReloadError ?? "null"})";
        }
    }

    private async Task PollStatusAsync(HttpClient http, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (DateTimeOffset.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            await ReadStatusAsync(http, cancellationToken);
            try
            {
                using var ready = await http.GetAsync("/readyz", cancellationToken);
                if (ready.StatusCode != HttpStatusCode.OK)
                {
                    ReadinessProblems.Enqueue((DateTimeOffset.UtcNow, $"+{(DateTimeOffset.UtcNow - t0).TotalSeconds:0.0} s: /readyz answered {(int)ready.StatusCode}"));
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                ReadinessProblems.Enqueue((DateTimeOffset.UtcNow, $"+{(DateTimeOffset.UtcNow - t0).TotalSeconds:0.0} s: /readyz failed: {ex.Message}"));
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
internal sealed record ProxyStatus(IReadOnlyDictionary<string, (long Fetches, long Failed, string State)> Providers, string? LastReloadError, DateTimeOffset? LoadedAt)
{
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
        return new ProxyStatus(providers, error.ValueKind == JsonValueKind.String ? error.GetString() : null,
            loaded.ValueKind == JsonValueKind.String ? loaded.GetDateTimeOffset() : null);
    }
}
