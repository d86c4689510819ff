namespace AuthProxy.Tests.Infrastructure;

/// <summary>Where tests' fake clocks (<see cref="FakeTimeProvider"/>) start: a fixed, recent instant.</summary>
public static class TestClock
{
    public static readonly DateTimeOffset Start = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
}
