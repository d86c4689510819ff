using AuthProxy.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;

namespace AuthProxy.Hosting;

/// <summary>
/// The layers every configuration the proxy judges or runs with is made of, lowest precedence first: AuthProxy's
/// defaults, the host's <c>ASPNETCORE_</c>/<c>DOTNET_</c> environment variables (<c>ASPNETCORE_URLS</c>, …), the
/// configuration file, the environment, the command line. Start-up, live reload and <c>validate</c> all judge a
/// candidate built by <see cref="Build"/>, and the running app's configuration is arranged the same way
/// (<see cref="Arrange"/>), so what was checked is what runs. <c>appsettings.json</c> is not read: the one
/// configuration file is AuthProxy's own.
/// </summary>
internal static class ConfigLayers
{
    /// <summary>
    /// Defaults that keep the per-request path quiet: ASP.NET Core and YARP log every request at Information,
    /// which costs more than the proxying itself. Operators raise them through <c>Logging:LogLevel</c> as usual.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Yarp"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        // ASP.NET Core starts an Activity (and a log scope) for every request while this category logs at any level, and
        // the forwarder then writes a traceparent of its own into every upstream request. It logs only request
        // start/finish (Information). With tracing on (OTEL_EXPORTER_OTLP_ENDPOINT) the Activity is made anyway.
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
    };

    /// <summary>A candidate configuration: the layers with <paramref name="fileData"/> as the file.</summary>
    public static IConfigurationRoot Build(IReadOnlyDictionary<string, string?> fileData, IReadOnlyList<string> commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        return new ConfigurationBuilder()
            .AddInMemoryCollection(Defaults)
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddEnvironmentVariables("DOTNET_")
            .Add(new ConfigFileSource(fileData))
            .AddEnvironmentVariables()
            .AddCommandLine([.. commandLine])
            .Build();
    }

    /// <summary>
    /// Arranges a <see cref="WebApplicationBuilder"/>'s configuration (created with the same command line) into the
    /// same layers: defaults first, no <c>appsettings*.json</c>, the file just below the environment.
    /// </summary>
    public static void Arrange(ConfigurationManager configuration, ConfigFileSource file)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var sources = configuration.Sources;
        for (var i = sources.Count - 1; i >= 0; i--)
        {
            if (sources[i] is JsonConfigurationSource)
            {
                sources.RemoveAt(i);
            }
        }

        sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
        var environment = sources.Count;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                environment = i;
                break;
            }
        }

        sources.Insert(environment, file);
    }
}
