using System.Globalization;

namespace AuthProxy.Soak;

/// <summary>Command-line settings of a soak run. Every knob has a default that CI can use as is.</summary>
internal sealed class SoakOptions
{
    /// <summary>How long the load runs.</summary>
    /// <remarks>Default 5 minutes; CI runs <c>--duration 60s</c>.</remarks>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Concurrent clients of the load generator.</summary>
    /// <remarks>Default 16.</remarks>
    public int Clients { get; set; } = 16;

    /// <summary>Proxy replicas sharing one Redis (the fleet's token cache); 1 runs a single proxy without Redis.</summary>
    /// <remarks>Default 2.</remarks>
    public int Replicas { get; set; } = 2;

    /// <summary>Which faults are injected.</summary>
    /// <remarks>Default: all of them.</remarks>
    public Faults Faults { get; set; } = Faults.All;

    /// <summary>Seed of every random choice (fault picks, client chaos). Timing still varies from run to run.</summary>
    public int Seed { get; set; } = Environment.TickCount;

    /// <summary>An already published <c>AuthProxy.dll</c>; skips <c>dotnet publish</c>.</summary>
    public string? ProxyDll { get; set; }

    /// <summary>The repository root (holds <c>AuthProxy.sln</c>); found from the current folder when not given.</summary>
    public string? RepositoryRoot { get; set; }

    /// <summary>Where the run's files go (config, proxy log, report). Default: a new temp folder.</summary>
    public string? OutputDirectory { get; set; }

    /// <summary>Keep the output folder even when the run passes.</summary>
    public bool Keep { get; set; }

    /// <summary>Run the bad-input barrage after the load phase.</summary>
    /// <remarks>Default on.</remarks>
    public bool Barrage { get; set; } = true;

    /// <summary>Share of token requests the IdPs fail when <see cref="Faults.IdpErrors"/> is on.</summary>
    /// <remarks>Default 0.2.</remarks>
    public double IdpFailureRate { get; set; } = 0.2;

    /// <summary>Token request timeout set on every provider.</summary>
    /// <remarks>Default 1 second, so an IdP hang costs a second, not the contract's default ten.</remarks>
    public TimeSpan TokenTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>RefreshAfter set on every provider.</summary>
    /// <remarks>
    /// Default 0.5. With the contract's 0.8 and a 6 s token the renewal window (lifetime × (1 − RefreshAfter) minus the
    /// expiry window) is 0.6 s, shorter than one backoff step, so any IdP failure in it is client-visible by construction.
    /// </remarks>
    public double RefreshAfter { get; set; } = 0.5;

    /// <summary>
    /// Tokens reaching an emulator with less than this left count as <c>NearExpiry</c>. Scaled down from IBM's 5 s
    /// because the soak's tokens live seconds: the proxy's own window is 10% of a lifetime (0.6 s for a 6 s token),
    /// and the difference is the time a request may take from the proxy's token check to the upstream.
    /// </summary>
    /// <remarks>Default 0.2 s.</remarks>
    public TimeSpan NearExpiryWindow { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest share of requests that may see excused token trouble (IdP down, no valid token to be had).</summary>
    /// <remarks>
    /// Default 0.15. With 20% of token requests failing, a third of them hanging a full Timeout and backoff doubling on
    /// consecutive failures, one provider can be without a token for several seconds in a row; every request on its
    /// routes then fails, by contract. Measured: 4.6–8.1% of all answers in 30 s to 5 min runs.
    /// </remarks>
    public double MaxExcusedRate { get; set; } = 0.15;

    /// <summary>Allowed growth of the proxy's RSS between the end of warm-up and the end of the load, in MiB.</summary>
    /// <remarks>Default 64 MiB (server GC grows its heaps lazily; a real leak under this load outgrows that in minutes).</remarks>
    public double MaxRssGrowthMiB { get; set; } = 64;

    /// <summary>Allowed growth of open file descriptors between warm-up and the end.</summary>
    /// <remarks>Default 24 (client connections come and go with the client chaos).</remarks>
    public int MaxHandleGrowth { get; set; } = 24;

    /// <summary>Allowed growth of the thread count between warm-up and the end.</summary>
    /// <remarks>Default 12.</remarks>
    public int MaxThreadGrowth { get; set; } = 12;

    /// <summary>Print what the options mean and exit.</summary>
    public bool Help { get; set; }

    /// <summary>Extra provider settings for experiments, e.g. <c>RetryBodyLimit=0</c> (disables the 401 retry) to see the soak fail.</summary>
    public List<string> Mutations { get; } = [];

    /// <summary>The warm-up: the first quarter of the run, at most 15 s. Resource baselines are taken at its end.</summary>
    public TimeSpan WarmUp => TimeSpan.FromTicks(Math.Min(Duration.Ticks / 4, TimeSpan.FromSeconds(15).Ticks));

    public const string Usage = """
        AuthProxy soak: a bounded chaos run of the real proxy process against the sandbox emulators.

        dotnet run --project tests/AuthProxy.Soak -- [options]

          --duration D          load duration: 60s, 5m, 90 (seconds) or 00:05:00        (default 5m)
          --clients N           concurrent clients                                     (default 16)
          --replicas N          proxy replicas sharing one soak-started redis-server; 1: one proxy, no Redis
                                                                                     (default 2)
          --faults LIST         all | none | comma list of: lifetimes, idp, revoke, sklm-idle, config, client-aborts,
                                redis-kill, redis-slow, replica-kill (the last three only with --replicas 2+);
                                opt-in extras: revoke-burst (a second revocation 400 ms after each one),
                                revoke-after-redis (keep revocations in a Redis fault's aftermath)
                                (a leading '-' removes one: --faults all,-idp)        (default all)
          --seed N              seed of the random choices                              (default: time)
          --proxy-dll PATH      use an already published AuthProxy.dll instead of dotnet publish
          --repo PATH           repository root (default: found from the current folder)
          --out DIR             where the config, proxy log and report go               (default: temp folder)
          --keep                keep the output folder after a passing run
          --no-barrage          skip the bad-input barrage
          --idp-failure-rate F  share of token requests failed when idp faults are on   (default 0.2)
          --token-timeout D     provider Timeout                                       (default 1s)
          --refresh-after F     provider RefreshAfter                                  (default 0.5)
          --near-expiry D       emulator NearExpiry window                             (default 200ms)
          --max-excused F       largest share of requests with excused token trouble   (default 0.15)
          --mutate KEY=VALUE    experiment: set KEY on every AuthToken transform (RetryBodyLimit=0) or provider
                                (RefreshAfter=1): shows the soak catching a broken set-up

        Exit code 0 when every criterion holds; 1 with the breaches named; 2 on a usage or set-up error.
        """;

    public static SoakOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SoakOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            switch (arg)
            {
                case "--duration": options.Duration = ParseDuration(Next(), arg); break;
                case "--replicas": options.Replicas = ParseInt(Next(), arg, 1, 4); break;
                case "--clients": options.Clients = ParseInt(Next(), arg, 1, 1024); break;
                case "--faults": options.Faults = FaultsParser.Parse(Next()); break;
                case "--seed": options.Seed = ParseInt(Next(), arg, int.MinValue, int.MaxValue); break;
                case "--proxy-dll": options.ProxyDll = Path.GetFullPath(Next()); break;
                case "--repo": options.RepositoryRoot = Path.GetFullPath(Next()); break;
                case "--out": options.OutputDirectory = Path.GetFullPath(Next()); break;
                case "--keep": options.Keep = true; break;
                case "--no-barrage": options.Barrage = false; break;
                case "--idp-failure-rate": options.IdpFailureRate = ParseFraction(Next(), arg); break;
                case "--token-timeout": options.TokenTimeout = ParseDuration(Next(), arg); break;
                case "--refresh-after": options.RefreshAfter = ParseFraction(Next(), arg); break;
                case "--near-expiry": options.NearExpiryWindow = ParseDuration(Next(), arg); break;
                case "--max-excused": options.MaxExcusedRate = ParseFraction(Next(), arg); break;
                case "--mutate": options.Mutations.Add(Next()); break;
                case "-h" or "--help": options.Help = true; break;
                default: throw new ArgumentException($"unknown option '{arg}'");
            }
        }

        if (options.Replicas == 1)
        {
            // The fleet faults need a Redis and a second replica; `all` means the rest.
            options.Faults &= ~Faults.Fleet;
        }

        if (options.Duration < TimeSpan.FromSeconds(20))
        {
            throw new ArgumentException("--duration must be at least 20s (two revocation and config-edit cycles)");
        }

        return options;
    }

    /// <summary><c>60s</c>, <c>5m</c>, <c>1h</c>, <c>250ms</c>, a bare number of seconds, or a TimeSpan string.</summary>
    internal static TimeSpan ParseDuration(string text, string option)
    {
        var t = text.Trim();
        (string Suffix, Func<double, TimeSpan> Make)[] units =
        [
            ("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours),
        ];
        foreach (var (suffix, make) in units)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) &&
                double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                return make(n);
            }
        }

        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return span;
        }

        throw new ArgumentException($"{option}: '{text}' is not a duration (60s, 5m, 250ms, 90, 00:05:00)");
    }

    private static int ParseInt(string text, string option, int min, int max) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{option}: '{text}' is not a whole number from {min} to {max}");

    private static double ParseFraction(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f >= 0 && f <= 1
            ? f
            : throw new ArgumentException($"{option}: '{text}' is not a number from 0 to 1");
}
