using System.Diagnostics;

namespace AuthProxy.Soak;

/// <summary>
/// Notices when the soak process itself stops running — a long GC pause, the shared machine not scheduling it, or its
/// thread pool not picking up work — because the emulators live in this process: while it stalls, token requests wait
/// unanswered and the proxy's 1 s timeout fires through no fault of its own. A dedicated thread ticks every 20 ms and
/// also times a work item queued to the thread pool; a gap or a delay above <see cref="Threshold"/> is a stall.
/// </summary>
internal sealed class StallMonitor : IDisposable
{
    public static readonly TimeSpan Threshold = TimeSpan.FromMilliseconds(300);

    private readonly Thread _thread;
    private readonly List<(DateTimeOffset Start, DateTimeOffset End, string Reason)> _stalls = [];
    private volatile bool _stop;

    public StallMonitor()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "soak stall monitor", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End, string Reason)> Stalls
    {
        get
        {
            lock (_stalls)
            {
                return [.. _stalls];
            }
        }
    }

    /// <summary>Adds stalls seen elsewhere, e.g. windows in which the proxy's own logging was backed up.</summary>
    public void AddExternal(IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> windows, string reason)
    {
        foreach (var (start, end) in windows)
        {
            Add(start, end, reason);
        }
    }

    /// <summary>The stall overlapping [from, to], if any.</summary>
    public (DateTimeOffset Start, DateTimeOffset End, string Reason)? Overlapping(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_stalls)
        {
            foreach (var stall in _stalls)
            {
                if (stall.Start <= to && stall.End >= from)
                {
                    return stall;
                }
            }
        }

        return null;
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(1));
    }

    private void Run()
    {
        var clock = Stopwatch.StartNew();
        var last = clock.Elapsed;
        var lastWall = DateTimeOffset.UtcNow;
        var probeQueued = TimeSpan.Zero;
        var probeQueuedWall = lastWall;
        var probeLate = false;
        while (!_stop)
        {
            Thread.Sleep(20);
            var now = clock.Elapsed;
            var wall = DateTimeOffset.UtcNow;
            if (now - last > Threshold)
            {
                Add(lastWall, wall, "soak process not running");
            }

            // Thread-pool responsiveness: one probe at a time; a probe that waits longer than the threshold is a stall.
            if (Volatile.Read(ref _probeDone) == 1)
            {
                if (probeLate)
                {
                    Add(probeQueuedWall, wall, "soak thread pool busy");
                    probeLate = false;
                }

                _probeDone = 0;
                probeQueued = now;
                probeQueuedWall = wall;
                ThreadPool.UnsafeQueueUserWorkItem(static monitor => Volatile.Write(ref monitor._probeDone, 1), this, preferLocal: false);
            }
            else if (now - probeQueued > Threshold)
            {
                probeLate = true;
            }

            last = now;
            lastWall = wall;
        }
    }

    private int _probeDone = 1;

    private void Add(DateTimeOffset start, DateTimeOffset end, string reason)
    {
        lock (_stalls)
        {
            _stalls.Add((start, end, reason));
        }
    }
}
