using AuthProxy.Configuration;

namespace AuthProxy.Tokens;

/// <summary>
/// A secret given inline or as a file path. Files are read at each use, so a rotated Kubernetes
/// secret is picked up by the next fetch; surrounding whitespace (a trailing newline) is trimmed.
/// </summary>
internal readonly struct Secret
{
    /// <summary>Largest secret file read: a key or password is short, a compute-resource token a few KiB.</summary>
    public const long MaxFileBytes = 64 * 1024;

    private readonly string? _inline;
    private readonly string? _file;

    /// <summary>Creates a secret from an inline value or a file; the inline value wins when both are set.</summary>
    public Secret(string name, string? inline, string? file)
    {
        Name = name;
        _inline = string.IsNullOrEmpty(inline) ? null : inline;
        _file = string.IsNullOrWhiteSpace(file) ? null : file;
    }

    /// <summary>The option name (e.g. <c>ApiKey</c>), used in error messages.</summary>
    public string Name { get; }

    /// <summary>True when an inline value or a file is configured.</summary>
    public bool IsConfigured => _inline is not null || _file is not null;

    /// <summary>The file path, if the secret comes from a file.</summary>
    public string? File => _inline is null ? _file : null;

    /// <summary>Reads the secret, or explains (without the secret) why it cannot be read.</summary>
    public bool TryRead(out string value, out string error)
    {
        if (_inline is not null)
        {
            value = _inline;
            error = "";
            return true;
        }

        value = "";
        if (_file is null)
        {
            error = $"{Name} is not configured";
            return false;
        }

        var outcome = SmallFile.TryReadTrimmed(_file, MaxFileBytes, out value, out _);
        if (outcome != SmallFileOutcome.Read)
        {
            value = "";
            error = $"the file named by {Name}File {SmallFile.Describe(outcome, MaxFileBytes)}";
            return false;
        }

        error = "";
        return true;
    }

    /// <summary>Never prints the secret.</summary>
    public override string ToString() => _file is null ? $"{Name}=***" : $"{Name}File={_file}";
}
