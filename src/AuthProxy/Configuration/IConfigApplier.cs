namespace AuthProxy.Configuration;

/// <summary>
/// A part of the proxy that takes its settings from each accepted configuration (e.g. inbound clients).
/// Called on live reload after validation succeeded, before routes are published.
/// </summary>
internal interface IConfigApplier
{
    /// <summary>Applies a validated configuration (the file plus environment overrides).</summary>
    void Apply(IConfiguration configuration);
}
