using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Sandbox.Hosting;

/// <summary>Settings every emulator shares: where it listens, its clock, its token store and failure hooks.</summary>
public abstract class EmulatorOptions
{
    /// <summary>Port on 127.0.0.1.</summary>
    /// <remarks>Default 0: an ephemeral port (read the emulator's <c>Url</c>).</remarks>
    public int Port { get; set; }

    /// <summary>The emulator's clock for issuing and checking tokens; tests pass a fake one.</summary>
    /// <remarks>Default <see cref="TimeProvider.System"/>.</remarks>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>
    /// Where issued tokens are recorded and looked up. Give the token emulator and the API emulator that trusts it
    /// the same store (IAM and Key Protect).
    /// </summary>
    /// <remarks>Default: a new store of the emulator's own.</remarks>
    public IssuedTokenStore? Tokens { get; set; }

    /// <summary>
    /// Runs before every token endpoint; may write a response (500, 429…) and return <see langword="true"/> to stop there.
    /// To emulate a hang, await <c>Task.Delay(Timeout.Infinite, context.RequestAborted)</c>: <c>RequestAborted</c> also
    /// fires when the emulator stops.
    /// </summary>
    public Func<HttpContext, Task<bool>>? BeforeToken { get; set; }

    /// <summary>Runs before every API endpoint; may write a response and return <see langword="true"/> to stop there.</summary>
    public Func<HttpContext, Task<bool>>? BeforeApi { get; set; }

    /// <summary>
    /// Observes every request the emulator receives, before routing: also the ones no endpoint maps (a path the
    /// emulator does not serve) and the ones a hook answers. Soak runs use it to see which credential reached which
    /// upstream; register <c>context.Response.OnCompleted</c> to see the answer. Must not write a response.
    /// </summary>
    /// <remarks>Default: none.</remarks>
    public Action<HttpContext>? OnRequest { get; set; }

    /// <summary>Adds log providers to the emulator's host.</summary>
    /// <remarks>Default: no logging.</remarks>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }
}
