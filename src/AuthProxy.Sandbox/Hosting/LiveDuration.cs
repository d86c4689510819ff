namespace AuthProxy.Sandbox.Hosting;

/// <summary>A positive duration that a test may change while the emulator's requests read it.</summary>
internal sealed class LiveDuration
{
    private long _ticks;

    public LiveDuration(TimeSpan initial) => Value = initial;

    public TimeSpan Value
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _ticks, value.Ticks);
        }
    }
}
