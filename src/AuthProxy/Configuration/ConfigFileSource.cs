namespace AuthProxy.Configuration;

/// <summary>
/// The configuration source holding the configuration file's keys. In the running proxy it only ever holds content
/// that passed validation (a live reload publishes a new, validated version); environment variables and the command
/// line are layered on top, as usual in .NET.
/// </summary>
internal sealed class ConfigFileSource : IConfigurationSource
{
    public ConfigFileSource(IReadOnlyDictionary<string, string?> data) => Provider = new ConfigFileProvider(data);

    public ConfigFileProvider Provider { get; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
}

/// <summary>
/// The provider behind <see cref="ConfigFileSource"/>. It keeps an index of child keys per section, so walking the
/// configuration (validation, YARP's route loading) costs time in proportion to its size: .NET's base provider scans
/// every key for every section it is asked about, which makes large files quadratic.
/// </summary>
internal sealed class ConfigFileProvider : ConfigurationProvider
{
    private Dictionary<string, List<string>> _children = new(StringComparer.OrdinalIgnoreCase);

    public ConfigFileProvider(IReadOnlyDictionary<string, string?> data) => Replace(data);

    /// <summary>Replaces the whole content and signals a reload to every consumer (YARP, options).</summary>
    public void Publish(IReadOnlyDictionary<string, string?> data)
    {
        Replace(data);
        OnReload();
    }

    public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath)
    {
        var results = new List<string>(earlierKeys);
        if (Volatile.Read(ref _children).TryGetValue(parentPath ?? "", out var children))
        {
            results.AddRange(children);
        }

        results.Sort(ConfigurationKeyComparer.Instance);
        return results;
    }

    /// <summary>Never lists values (they include secrets).</summary>
    public override string ToString() => $"{nameof(ConfigFileProvider)} ({Data.Count} keys)";

    private void Replace(IReadOnlyDictionary<string, string?> data)
    {
        var copy = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);
        var children = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in copy.Keys)
        {
            // Register every ancestor once: "a:b:c" makes "c" a child of "a:b", "b" of "a" and "a" of the root.
            var path = key;
            while (seen.Add(path))
            {
                var colon = path.LastIndexOf(ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);
                var parent = colon < 0 ? "" : path[..colon];
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(colon < 0 ? path : path[(colon + 1)..]);
                if (colon < 0)
                {
                    break;
                }

                path = parent;
            }
        }

        Data = copy;
        Volatile.Write(ref _children, children);
    }
}
