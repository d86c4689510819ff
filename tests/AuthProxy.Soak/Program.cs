using AuthProxy.Soak;

SoakOptions options;
try
{
    options = SoakOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync("soak: " + ex.Message);
    await Console.Error.WriteLineAsync(SoakOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(SoakOptions.Usage);
    return 0;
}

// The emulators, 16+ clients and the proxy's log reader share this process: start with enough pool threads that
// ramp-up (two per core at first, then a few per second) never delays an emulator's answer past the proxy's 1 s timeout.
ThreadPool.GetMinThreads(out var workers, out var io);
ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    return await SoakRun.RunAsync(options, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("soak: interrupted");
    return 2;
}
catch (InvalidOperationException ex)
{
    await Console.Error.WriteLineAsync("soak: set-up failed: " + ex.Message);
    return 2;
}
