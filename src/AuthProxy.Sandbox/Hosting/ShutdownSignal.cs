using System.Runtime.InteropServices;

namespace AuthProxy.Sandbox.Hosting;

/// <summary>Completes on Ctrl+C, SIGTERM or SIGQUIT, for the <c>--emulators-only</c> mode that has no host lifetime of its own.</summary>
internal static class ShutdownSignal
{
    public static async Task WaitAsync()
    {
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handle(PosixSignalContext context)
        {
            context.Cancel = true;
            signalled.TrySetResult();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Handle);
        await signalled.Task;
    }
}
