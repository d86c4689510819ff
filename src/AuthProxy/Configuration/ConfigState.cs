namespace AuthProxy.Configuration;

/// <summary>What the proxy knows about its configuration file: where it is, when the serving config was loaded, and the last reload error.</summary>
internal sealed class ConfigState
{
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
    public DateTimeOffset LoadedAt => _loadedAt;

    /// <summary>Problems of the last rejected edit, null once a later edit is accepted.</summary>
    public string? LastReloadError => _lastReloadError;

    public void Accepted(DateTimeOffset at)
    {
        _loadedAt = at;
        _lastReloadError = null;
    }

    public void Rejected(string error) => _lastReloadError = error;
}
