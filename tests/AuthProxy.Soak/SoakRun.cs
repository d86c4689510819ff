using System.Globalization;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Soak;

/// <summary>Everything a finished run collected, handed to the verdict.</summary>
internal sealed class RunData
{
    public required SoakOptions Options { get; init; }

    public required SandboxEmulators Emulators { get; init; }

    public required Observatory Observatory { get; init; }

    public required FaultInjector Injector { get; init; }

    public required SoakConfig Config { get; init; }

    public required LoadGenerator Load { get; init; }

    public required ChaosSchedule Schedule { get; init; }

    /// <summary>The replicas (one for a single proxy) and their Redis.</summary>
    public required SoakFleet Fleet { get; init; }

    public required FleetChaos FleetChaos { get; init; }

    /// <summary>Each replica's final status document (index by replica; null when it could not be read).</summary>
    public List<ProxyStatus?> ReplicaStatus { get; } = [];

    public required DateTimeOffset T0 { get; init; }

    public required DateTimeOffset LoadEnd { get; init; }

    public required List<ProcessSample> Samples { get; init; }

    public required IReadOnlyList<DateTimeOffset> IdleDeaths { get; init; }

    public ProxyStatus? FinalStatus { get; set; }

    public IReadOnlyList<BarrageCase> Barrage { get; set; } = [];

    public SecretScan.Outcome? Secrets { get; set; }

    public string OutputDirectory { get; init; } = "";

    public required StallMonitor Stalls { get; init; }

    public List<string> SetupProblems { get; } = [];

    /// <summary>When and why the barrage stopped early (the proxy did not answer); judged against stalls.</summary>
    public (DateTimeOffset At, string Text)? BarrageStopped { get; set; }

    /// <summary>Malformed requests the upstreams refused during the load (before the barrage sends some on purpose).</summary>
    public long LoadPhaseBadRequests { get; init; }
}

/// <summary>Runs one soak: publish, emulators, proxy, load with faults, barrage, stop, verdict.</summary>
internal static class SoakRun
{
    public static async Task<int> RunAsync(SoakOptions options, CancellationToken cancellationToken)
    {
        var output = options.OutputDirectory ?? Path.Combine(Path.GetTempPath(), "authproxy-soak-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(output);
        Console.WriteLine($"AuthProxy soak: {options.Duration.TotalSeconds:0} s, {options.Replicas} replica(s), {options.Clients} clients, faults {FaultsParser.Describe(options.Faults)}, seed {options.Seed}");
        Console.WriteLine($"  output: {output}");

        var dll = options.ProxyDll;
        if (dll is null)
        {
            var repo = options.RepositoryRoot ?? FindRepository();
            Console.WriteLine($"  publishing {Path.Combine(repo, "src", "AuthProxy")} (Release)…");
            dll = await ProxyProcess.PublishAsync(repo, Path.Combine(output, "publish"), cancellationToken);
        }

        Observatory? observatory = null;
        var emulatorOptions = SandboxEmulatorsOptions.Ephemeral();
        emulatorOptions.OnRequest = (name, context) => observatory?.OnRequest(name, context);
        await using var emulators = await SandboxEmulators.StartAsync(emulatorOptions, cancellationToken);
        observatory = new Observatory(emulators.Tokens);
        emulators.Tokens.NearExpiryWindow = options.NearExpiryWindow;
        if (options.Faults.HasFlag(Faults.Lifetimes))
        {
            emulators.Iam.TokenLifetime = SoakTimes.IamLifetime;
            emulators.CloudPak.TokenLifetime = SoakTimes.CloudPakLifetime;
        }

        if (options.Faults.HasFlag(Faults.SklmIdle))
        {
            emulators.Sklm.IdleTimeout = SoakTimes.SklmIdleTimeout;
        }

        var injector = new FaultInjector(options.IdpFailureRate, options.Seed);
        emulators.Iam.BeforeToken = injector.BeforeTokenAsync;
        emulators.CloudPak.BeforeToken = injector.BeforeTokenAsync;
        emulators.Sklm.BeforeToken = injector.BeforeTokenAsync;

        var config = new SoakConfig(emulators, options);
        var configDirectory = Path.Combine(output, "config");
        await using var fleet = await SoakFleet.PrepareAsync(dll, Path.Combine(configDirectory, "authproxy.json"), output, options.Replicas, cancellationToken);
        if (fleet.Redis is { } redis)
        {
            config.SharedCache = (redis.Configuration, fleet.KeyFile!);
            config.EncryptionKey = fleet.EncryptionKey;
            Console.WriteLine($"  redis: {redis.Configuration} (PID {redis.Pid}), the replicas' shared token cache");
        }

        var layout = new ConfigFileLayout(configDirectory, config.Valid(1).Bytes);
        Console.WriteLine($"  emulators: IAM {emulators.Iam.Url}, Key Protect {emulators.KeyProtect.Url}, Cloud Pak {emulators.CloudPak.Url}, SKLM {emulators.Sklm.Url}");

        await fleet.StartAsync(options.Replicas, output, cancellationToken);
        observatory.ReplicaOfPort = fleet.ReplicaOf;
        var proxy = fleet.Replicas[0].Process;
        RunData data;
        try
        {
            Console.WriteLine($"  proxy: {string.Join(", ", fleet.Replicas.Select(r => $"{r.Url} (PID {r.Process.Pid})"))}; load for {options.Duration.TotalSeconds:0} s…");
            foreach (var replica in fleet.Replicas)
            {
                await WarmUpAsync(replica.Url, config.ClientKey, cancellationToken);
            }

            var t0 = DateTimeOffset.UtcNow;
            var deadline = t0 + options.Duration;
            injector.Enabled = options.Faults.HasFlag(Faults.IdpErrors);
            var load = new LoadGenerator([.. fleet.Replicas.Select(r => r.Url)], config.ClientKey, options, t0);
            using var schedule = new ChaosSchedule(emulators, observatory, config, layout, fleet, options, t0);
            var fleetChaos = new FleetChaos(fleet, injector, schedule, options, t0);
            if (!options.Faults.HasFlag(Faults.RevokeAfterRedis))
            {
                schedule.SkipRevocation = now =>
                {
                    var skip = fleetChaos.InRedisAftermath(now);
                    if (skip)
                    {
                        fleetChaos.SkippedRevocations.Enqueue(now);
                    }

                    return skip;
                };
            }

            var samples = new List<ProcessSample>();
            using var stalls = new StallMonitor();
            await Task.WhenAll(
                load.RunAsync(deadline, cancellationToken),
                schedule.RunAsync(deadline, cancellationToken),
                fleetChaos.RunAsync(deadline, cancellationToken),
                SampleAsync(proxy, options, t0, deadline, samples, cancellationToken),
                ProgressAsync(load, t0, deadline, cancellationToken));
            var loadEnd = DateTimeOffset.UtcNow;
            injector.Enabled = false;

            data = new RunData
            {
                Options = options,
                Emulators = emulators,
                Observatory = observatory,
                Injector = injector,
                Config = config,
                Load = load,
                Schedule = schedule,
                Fleet = fleet,
                FleetChaos = fleetChaos,
                T0 = t0,
                LoadEnd = loadEnd,
                Samples = samples,
                Stalls = stalls,
                IdleDeaths = IdleDeaths(options, t0, loadEnd),
                OutputDirectory = output,
                LoadPhaseBadRequests = emulators.KeyProtect.Counters.Rejections(RejectionReason.BadRequest) +
                    emulators.CloudPak.Counters.Rejections(RejectionReason.BadRequest),
            };

            foreach (var replica in fleet.Replicas)
            {
                using var http = new HttpClient { BaseAddress = new Uri(replica.Url), Timeout = TimeSpan.FromSeconds(5) };
                data.ReplicaStatus.Add(await schedule.ReadStatusAsync(http, cancellationToken));
            }

            data.FinalStatus = ProxyStatus.Sum(data.ReplicaStatus);

            if (options.Barrage)
            {
                Console.WriteLine("  bad-input barrage…");
                try
                {
                    data.Barrage = await new BadInputBarrage(proxy.Url, config, layout, observatory, schedule).RunAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    data.BarrageStopped = (DateTimeOffset.UtcNow, $"the bad-input barrage stopped: the proxy did not answer ({ex.GetType().Name}: {ex.Message})");
                }
            }

            foreach (var replica in fleet.Replicas.Where(r => r.Process.HasExited))
            {
                data.SetupProblems.Add($"the proxy process {(fleet.Replicas.Count > 1 ? $"of replica {replica.Index} " : "")}exited during the run");
            }
        }
        finally
        {
            await fleet.StopAsync();
        }

        var documents = data.Schedule.StatusBodies.Concat(data.Load.ProblemBodies).ToList();
        data.Secrets = SecretScan.Run([.. fleet.Replicas.Select(r => r.LogPath)], config.Secrets, emulators.Tokens, documents);
        foreach (var replica in fleet.Replicas)
        {
            data.Stalls.AddExternal(replica.Process.LogStalls, fleet.Replicas.Count > 1 ? $"proxy-{replica.Index} log backed up" : "proxy log backed up");
        }

        var verdict = Verdict.Build(data);
        verdict.Print(Console.Out);
        await File.WriteAllTextAsync(Path.Combine(output, "summary.txt"), verdict.ToText(), CancellationToken.None);
        await File.WriteAllLinesAsync(Path.Combine(output, "timeline.txt"), Timeline(data), CancellationToken.None);
        await File.WriteAllLinesAsync(Path.Combine(output, "troubles.txt"), verdict.TroubleLines, CancellationToken.None);
        if (verdict.Passed && !options.Keep && options.OutputDirectory is null)
        {
            TryDelete(output);
        }
        else
        {
            Console.WriteLine($"  kept: {output} ({(fleet.Replicas.Count > 1 ? "proxy-N.log" : "proxy.log")}, config/, summary.txt, timeline.txt)");
        }

        return verdict.Passed ? 0 : 1;
    }

    /// <summary>
    /// One request per operation, one at a time, before the clock starts and with faults off: the proxy's first
    /// requests pay for JIT compilation and the first token of every provider, which is not what the soak measures.
    /// </summary>
    private static async Task WarmUpAsync(string proxyUrl, string clientKey, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(proxyUrl), Timeout = TimeSpan.FromSeconds(30) };
        foreach (var operation in SoakTopology.Operations)
        {
            using var request = new HttpRequestMessage(operation.Method, operation.PathAndQuery);
            request.Headers.Add("X-API-Key", clientKey);
            if (operation.Body is not null)
            {
                request.Content = new StringContent(operation.Body, System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await http.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode is not (200 or 201))
            {
                throw new InvalidOperationException($"warm-up: {operation.Method} {operation.PathAndQuery} answered {(int)response.StatusCode} with no fault injected");
            }
        }
    }

    /// <summary>Token calls, injected faults, revocations, edits and every answer that was not 2xx, in time order, for diagnosis.</summary>
    private static IEnumerable<string> Timeline(RunData data)
    {
        string At(DateTimeOffset t) => ((t - data.T0).TotalSeconds).ToString("+0.000;-0.000", CultureInfo.InvariantCulture).PadLeft(9);
        var events = new List<(DateTimeOffset At, string Text)>();
        foreach (var call in data.Observatory.TokenCalls)
        {
            var took = call.End is { } end ? ((end - call.Start).TotalMilliseconds).ToString("0", CultureInfo.InvariantCulture) + " ms" : "unfinished";
            events.Add((call.Start, $"token  {call.Provider.Name,-14} r{call.Replica?.ToString(CultureInfo.InvariantCulture) ?? "?"} {call.Path} -> {(call.Held ? "HELD " : "")}{(call.Injected is { } k ? "INJECTED " + k : call.Status.ToString(CultureInfo.InvariantCulture))} ({took})"));
        }

        lock (data.Schedule.Revocations)
        {
            events.AddRange(data.Schedule.Revocations.Select(r => (r, "REVOKE all tokens")));
        }

        events.AddRange(data.IdleDeaths.Select(d => (d, "SKLM ids idle-dead")));
        foreach (var fault in data.FleetChaos.Faults)
        {
            events.Add((fault.Window.Start, $"FLEET {fault.Kind}: {fault.Detail}"));
            events.Add((fault.Window.End, $"FLEET {fault.Kind} undone"));
        }

        events.AddRange(data.Stalls.Stalls.Select(s => (s.Start, $"STALL ({s.Reason}) for {(s.End - s.Start).TotalMilliseconds:0} ms")));
        events.AddRange(data.Schedule.Edits.Select(e => (data.T0 + e.WrittenAt, $"CONFIG {e.Edit.Name} ({e.Mode}) -> {(e.Took is { } t ? t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s" : "no reaction")} {e.Problem}")));
        foreach (var result in data.Load.Results.Where(r => r.Outcome != ClientOutcome.Answered || r.Status is not (200 or 201)))
        {
            events.Add((result.Start, $"client #{result.Id} r{result.Replica} {result.Operation.Route,-16} {result.Outcome} {result.Status} {result.ProblemTitle} ({result.Latency.TotalMilliseconds:0} ms)"));
        }

        return new[] { $"t0 = {data.T0:HH:mm:ss.fff} UTC (the proxy logs' clock); r0, r1: the replica that sent a token request or received a client's" }
            .Concat(events.OrderBy(e => e.At).Select(e => $"{At(e.At)}  {e.Text}"));
    }

    private static async Task SampleAsync(ProxyProcess proxy, SoakOptions options, DateTimeOffset t0, DateTimeOffset deadline, List<ProcessSample> samples,
        CancellationToken cancellationToken)
    {
        var next = t0 + options.WarmUp;
        while (!cancellationToken.IsCancellationRequested)
        {
            var last = next >= deadline - TimeSpan.FromSeconds(1);
            var at = last ? deadline - TimeSpan.FromSeconds(1) : next;
            var wait = at - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            try
            {
                samples.Add(proxy.Sample(DateTimeOffset.UtcNow - t0));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                return;
            }

            if (last)
            {
                return;
            }

            next += TimeSpan.FromSeconds(5);
        }
    }

    private static async Task ProgressAsync(LoadGenerator load, DateTimeOffset t0, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var every = TimeSpan.FromSeconds(30);
        while (DateTimeOffset.UtcNow + every < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(every, cancellationToken);
            var results = load.Results.ToArray();
            var failed = results.Count(r => r.Outcome == ClientOutcome.Answered && r.Status is not (200 or 201));
            Console.WriteLine($"  {(DateTimeOffset.UtcNow - t0).TotalSeconds,5:0} s: {results.Length} requests, {failed} not 2xx");
        }
    }

    /// <summary>When SKLM ids die during the quiet periods: 5 s after traffic stopped.</summary>
    private static List<DateTimeOffset> IdleDeaths(SoakOptions options, DateTimeOffset t0, DateTimeOffset end)
    {
        var deaths = new List<DateTimeOffset>();
        if (!options.Faults.HasFlag(Faults.SklmIdle))
        {
            return deaths;
        }

        for (var start = t0 + SoakTimes.SklmQuietOffset; start + SoakTimes.SklmIdleTimeout < end; start += SoakTimes.SklmQuietPeriod)
        {
            deaths.Add(start + SoakTimes.SklmIdleTimeout);
        }

        return deaths;
    }

    private static string FindRepository()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AuthProxy.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("cannot find the repository root (AuthProxy.sln); pass --repo or --proxy-dll");
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
