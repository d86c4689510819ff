using System.Collections.Concurrent;
using AuthProxy.Tokens;

namespace AuthProxy.Tests.Tokens;

/// <summary>A token source whose fetches the test completes by hand, one pending fetch at a time.</summary>
internal sealed class FakeTokenSource : ITokenSource
{
    private readonly ConcurrentQueue<PendingFetch> _pending = new();
    private TaskCompletionSource<PendingFetch> _nextFetch = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public Task<TokenResult> FetchAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        var pending = new PendingFetch(cancellationToken);
        _pending.Enqueue(pending);
        Interlocked.Exchange(ref _nextFetch, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(pending);
        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits for the next fetch to start (or returns one already waiting).</summary>
    public async Task<PendingFetch> NextFetchAsync()
    {
        var signal = Volatile.Read(ref _nextFetch).Task;
        if (_pending.TryDequeue(out var ready))
        {
            return ready;
        }

        await signal.WaitAsync(Infrastructure.TestTimeouts.Default);
        Assert.True(_pending.TryDequeue(out var next));
        return next;
    }

    public void Dispose()
    {
    }

    internal sealed class PendingFetch(CancellationToken token)
    {
        public CancellationToken Token { get; } = token;

        public TaskCompletionSource<TokenResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Succeed(string value, DateTimeOffset now, TimeSpan lifetime, double refreshAfter = 0.8) =>
            Completion.SetResult(AccessToken.Create("Bearer " + value, now, now, now + lifetime, refreshAfter, TimeSpan.FromSeconds(10)));

        public void Fail(TokenFailureKind kind = TokenFailureKind.Failed, string reason = "the token endpoint answered 500", TimeSpan? retryAfter = null) =>
            Completion.SetResult(TokenResult.Fail(kind, reason, retryAfter));
    }
}
