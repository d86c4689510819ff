namespace AuthProxy.Configuration;

/// <summary>
/// A configuration source holding the last configuration file content that passed validation. The app's
/// <see cref="IConfiguration"/> (and through it YARP) only ever sees validated content; environment
/// variables and the command line are layered on top, as usual in .NET.
/// </summary>
internal sealed class ValidatedConfigurationSource : IConfigurationSource
{
    public ValidatedConfigurationSource(IDictionary<string, string?> initial) => Provider = new ValidatedConfigurationProvider(initial);

    public ValidatedConfigurationProvider Provider { get; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
}

/// <summary>The provider behind <see cref="ValidatedConfigurationSource"/>.</summary>
internal sealed class ValidatedConfigurationProvider : ConfigurationProvider
{
    public ValidatedConfigurationProvider(IDictionary<string, string?> initial) =>
        Data = new Dictionary<string, string?>(initial, StringComparer.OrdinalIgnoreCase);

    /// <summary>Replaces the whole content and signals a reload to every consumer (YARP, options).</summary>
    public void Publish(IDictionary<string, string?> data)
    {
        Data = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);
        OnReload();
    }

    /// <summary>Never lists values (they include secrets).</summary>
    public override string ToString() => $"{nameof(ValidatedConfigurationProvider)} ({Data.Count} keys)";
}
