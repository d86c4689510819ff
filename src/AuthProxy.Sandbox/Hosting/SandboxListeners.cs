using AuthProxy.Hosting;

namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// Gives the sandbox's proxy a cleartext HTTP/2 (h2c) listener for gRPC clients, beside its HTTP/1.1 one. Kestrel serves
/// either the <c>urls</c> or its configured endpoints, never both, so the HTTP/1.1 listeners (<c>--urls</c>,
/// <c>ASPNETCORE_URLS</c> or the default) become <c>Kestrel:Endpoints</c> too — the way a configuration file would say it
/// (README "Protocols"). Left alone when the arguments, the environment or the configuration file set endpoints of their own.
/// </summary>
internal static class SandboxListeners
{
    /// <summary>The endpoint name of the gRPC listener.</summary>
    public const string GrpcEndpoint = "SandboxGrpc";

    /// <summary>The proxy arguments with the listeners as endpoints, plus <c>http://127.0.0.1:<paramref name="grpcPort"/></c> speaking HTTP/2 only.</summary>
    /// <param name="proxyArgs">The arguments for the proxy (with <c>--config</c> resolved).</param>
    /// <param name="grpcPort">The gRPC listener's port.</param>
    /// <param name="environment">Reads an environment variable.</param>
    public static IReadOnlyList<string> WithGrpcListener(IReadOnlyList<string> proxyArgs, int grpcPort, Func<string, string?> environment)
    {
        if (proxyArgs.Any(a => a.StartsWith("--Kestrel", StringComparison.OrdinalIgnoreCase)) ||
            ConfigFileSetsEndpoints(SandboxConfigLocator.Describe(proxyArgs)) ||
            !string.IsNullOrEmpty(environment("Kestrel__Endpoints__" + GrpcEndpoint + "__Url")))
        {
            return proxyArgs;
        }

        var rest = new List<string>(proxyArgs.Count + 8);
        string? urls = null;
        for (var i = 0; i < proxyArgs.Count; i++)
        {
            if (proxyArgs[i] == "--urls" && i + 1 < proxyArgs.Count)
            {
                urls = proxyArgs[++i];
            }
            else if (proxyArgs[i].StartsWith("--urls=", StringComparison.Ordinal))
            {
                urls = proxyArgs[i]["--urls=".Length..];
            }
            else
            {
                rest.Add(proxyArgs[i]);
            }
        }

        urls ??= environment("ASPNETCORE_URLS") is { Length: > 0 } fromEnvironment ? fromEnvironment : AuthProxyApp.DefaultUrl;
        var index = 0;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            rest.AddRange([$"--Kestrel:Endpoints:SandboxHttp{index++}:Url", url]);
        }

        rest.AddRange([$"--Kestrel:Endpoints:{GrpcEndpoint}:Url", GrpcUrl(grpcPort), $"--Kestrel:Endpoints:{GrpcEndpoint}:Protocols", "Http2"]);
        return rest;
    }

    /// <summary>The gRPC listener's URL.</summary>
    public static string GrpcUrl(int port) => $"http://127.0.0.1:{port}";

    private static bool ConfigFileSetsEndpoints(string path)
    {
        try
        {
            var configuration = new ConfigurationBuilder().AddJsonFile(path, optional: true).Build();
            return configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
        }
        catch (Exception ex) when (ex is IOException or FormatException or InvalidDataException or UnauthorizedAccessException)
        {
            return false; // the proxy reports what is wrong with the file
        }
    }
}
