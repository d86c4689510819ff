namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// Finds <c>config/authproxy.json</c> for the runner. <c>dotnet run --project</c> keeps the caller's working
/// directory, so the file is looked for there first, then in the folders above it and above the program.
/// </summary>
internal static class SandboxConfigLocator
{
    public const string RelativePath = "config/authproxy.json";

    /// <summary>
    /// The proxy arguments with <c>--config</c> added when neither the arguments nor <c>AUTHPROXY_CONFIG</c> name a file
    /// and the default file can be found.
    /// </summary>
    public static IReadOnlyList<string> WithConfig(IReadOnlyList<string> proxyArgs, string workingDirectory, string programDirectory)
    {
        if (proxyArgs.Any(a => a == "--config" || a.StartsWith("--config=", StringComparison.Ordinal)) ||
            !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("AUTHPROXY_CONFIG")))
        {
            return proxyArgs;
        }

        var found = Find(workingDirectory) ?? Find(programDirectory);
        return found is null ? proxyArgs : ["--config", found, .. proxyArgs];
    }

    /// <summary>The first <c>config/authproxy.json</c> in <paramref name="start"/> or a folder above it.</summary>
    public static string? Find(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, RelativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The configuration file the proxy will read, for messages (the proxy resolves it the same way).</summary>
    public static string Describe(IReadOnlyList<string> proxyArgs)
    {
        for (var i = 0; i < proxyArgs.Count; i++)
        {
            if (proxyArgs[i] == "--config" && i + 1 < proxyArgs.Count)
            {
                return Path.GetFullPath(proxyArgs[i + 1]);
            }

            if (proxyArgs[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                return Path.GetFullPath(proxyArgs[i]["--config=".Length..]);
            }
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("AUTHPROXY_CONFIG");
        return Path.GetFullPath(string.IsNullOrWhiteSpace(fromEnvironment) ? RelativePath : fromEnvironment);
    }
}
