namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// Replaces the console lifetime in emulator hosts: several hosts share one process, and only their owner
/// (the sandbox runner or a test) decides when they stop, not Ctrl+C reaching each of them.
/// </summary>
internal sealed class ManualHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
