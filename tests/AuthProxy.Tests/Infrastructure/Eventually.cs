namespace AuthProxy.Tests.Infrastructure;

/// <summary>Polls a condition with a deadline. Only for waiting on the outside world (a file watcher, a child process).</summary>
public static class Eventually
{
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        return await condition();
    }

    public static Task<bool> TrueAsync(Func<bool> condition, TimeSpan? within = null) =>
        TrueAsync(() => Task.FromResult(condition()), within);
}
