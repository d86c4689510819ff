namespace AuthProxy.Configuration;

/// <summary>Reads a configuration file and validates it together with the current environment overrides.</summary>
internal static class ConfigLoader
{
    /// <summary>The flat file content and the validation outcome (including a file or JSON problem).</summary>
    public static (Dictionary<string, string?> Data, ValidatedConfig Result) Load(string path)
    {
        if (!ConfigFile.TryRead(path, out var data, out var problem))
        {
            return (data, new ValidatedConfig([], [problem!]));
        }

        var candidate = new ConfigurationBuilder()
            .AddInMemoryCollection(data)
            .AddEnvironmentVariables()
            .Build();
        return (data, ConfigValidator.Validate(candidate));
    }
}
