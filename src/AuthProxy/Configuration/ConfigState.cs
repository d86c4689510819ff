namespace AuthProxy.Configuration;

/// <summary>
/// What the proxy knows about its configuration file: where it is, when the serving configuration was loaded, the
/// last rejected edit, and the most recent reload attempts (for the status endpoint and the dashboard).
/// </summary>
internal sealed class ConfigState
{
    /// <summary>How many reload attempts are kept.</summary>
    public const int HistoryLength = 20;

    private readonly Lock _gate = new();
    private readonly Queue<ReloadAttempt> _history = new(HistoryLength);
    private volatile string? _lastReloadError;
    private DateTimeOffset _loadedAt;

    public ConfigState(string path, DateTimeOffset loadedAt)
    {
        Path = path;
        _loadedAt = loadedAt;
    }

    /// <summary>The watched configuration file.</summary>
    public string Path { get; }

    /// <summary>When the configuration now serving was loaded.</summary>
    public DateTimeOffset LoadedAt
    {
        get
        {
            lock (_gate)
            {
                return _loadedAt;
            }
        }
    }

    /// <summary>Problems of the last rejected edit, null once a later edit is accepted.</summary>
    public string? LastReloadError => _lastReloadError;

    /// <summary>The most recent reload attempts, oldest first.</summary>
    public IReadOnlyList<ReloadAttempt> History
    {
        get
        {
            lock (_gate)
            {
                return [.. _history];
            }
        }
    }

    public void Accepted(DateTimeOffset at)
    {
        lock (_gate)
        {
            _loadedAt = at;
            _lastReloadError = null;
            Record(new ReloadAttempt(at, Accepted: true, []));
        }
    }

    public void Rejected(DateTimeOffset at, IReadOnlyList<ConfigProblem> problems)
    {
        lock (_gate)
        {
            _lastReloadError = string.Join("; ", problems);
            Record(new ReloadAttempt(at, Accepted: false, problems));
        }
    }

    private void Record(ReloadAttempt attempt)
    {
        if (_history.Count == HistoryLength)
        {
            _history.Dequeue();
        }

        _history.Enqueue(attempt);
    }
}

/// <summary>One reload attempt: when, whether it was applied, and the problems that rejected it.</summary>
internal sealed record ReloadAttempt(DateTimeOffset At, bool Accepted, IReadOnlyList<ConfigProblem> Problems);
