namespace AuthProxy.Hosting;

/// <summary>
/// Graceful shutdown (README "Running a fleet"): once the host is stopping, <see cref="ConfigReadinessCheck"/> fails, and
/// this service holds the host's stop for <see cref="ShutdownOptions.DrainDelay"/> before the listeners close, so load
/// balancers see <c>/readyz</c> answer 503 and take the replica out while it still serves. Kestrel then lets the requests
/// in flight finish (within the host's shutdown timeout, which counts the delay besides its usual 30 s).
/// </summary>
internal sealed partial class ShutdownDrain(TimeProvider time, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    /// <summary>What the host allows in-flight requests after the drain (ASP.NET Core's default shutdown timeout).</summary>
    internal static readonly TimeSpan InFlightTimeout = TimeSpan.FromSeconds(30);

    private ShutdownOptions _options = ShutdownOptions.Default;
    private int _stopping;

    /// <summary>True once the host began stopping (also when it was stopped without SIGTERM, as tests and embedding hosts do).</summary>
    public bool IsStopping => Volatile.Read(ref _stopping) != 0;

    /// <summary>The current settings (applied live; a longer delay than at start-up shortens the in-flight timeout).</summary>
    public ShutdownOptions Options
    {
        get => Volatile.Read(ref _options);
        set => Volatile.Write(ref _options, value);
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var delay = Options.DrainDelay;
        if (Interlocked.Exchange(ref _stopping, 1) != 0 || delay <= TimeSpan.Zero)
        {
            return;
        }

        Draining(logger, delay.TotalSeconds);
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(3020, LogLevel.Information, "Stopping: /readyz answers 503; still serving for {DrainSeconds:0.#} s so load balancers take this replica out, then finishing the requests in flight.")]
    private static partial void Draining(ILogger logger, double drainSeconds);
}
