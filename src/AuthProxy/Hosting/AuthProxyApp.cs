using AuthProxy.Configuration;
using AuthProxy.InboundAuth;
using AuthProxy.Telemetry;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace AuthProxy.Hosting;

/// <summary>Builds and runs the proxy host. Used by <c>Program</c>, the sandbox and the tests.</summary>
public static class AuthProxyApp
{
    /// <summary>Listener used when nothing else configures one: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>
    /// Defaults that keep the per-request path quiet: ASP.NET Core and YARP log every request at Information,
    /// which costs more than the proxying itself. Operators raise them through <c>Logging:LogLevel</c> as usual.
    /// </summary>
    private static readonly Dictionary<string, string?> DefaultSettings = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Yarp"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
    };

    /// <summary>
    /// Builds the proxy from its command-line arguments. Throws <see cref="ConfigurationProblemsException"/>
    /// when the configuration is invalid.
    /// </summary>
    /// <param name="args">Command-line arguments (<c>--config</c>, <c>--urls</c>, any configuration key).</param>
    /// <param name="configure">Lets the sandbox and tests adjust the builder (e.g. a fake <see cref="TimeProvider"/>).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var configPath = ConfigFile.ResolvePath(args);
        var (data, result) = ConfigLoader.Load(configPath);
        if (!result.IsValid)
        {
            throw new ConfigurationProblemsException(result.Problems);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
        // Lowest precedence: the configuration file, environment and command line override these.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = DefaultSettings });
        var validated = new ValidatedConfigurationSource(data);
        InsertBeforeEnvironment(builder.Configuration, validated);

        if (!HasConfiguredListener(builder.Configuration))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddAuthProxy(builder.Configuration, validated, configPath, result);
        configure?.Invoke(builder);
        builder.AddAuthProxyOpenTelemetry();

        // Checked on the final configuration (command line included), before anything is bound: InboundAuth rules,
        // and no anonymous proxy on a non-loopback listener (CONTRACT §4).
        var inboundProblems = InboundAuthValidator.ValidateStartup(builder.Configuration);
        if (inboundProblems.Count > 0)
        {
            throw new ConfigurationProblemsException(inboundProblems);
        }

        var app = builder.Build();
        app.MapAuthProxy();
        return app;
    }

    /// <summary>Runs the proxy until shutdown; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (ConfigurationProblemsException ex)
        {
            await Console.Error.WriteLineAsync($"AuthProxy: configuration '{ConfigFile.ResolvePath(args)}' is invalid:");
            foreach (var problem in ex.Problems)
            {
                await Console.Error.WriteLineAsync("  " + problem);
            }

            return 1;
        }

        await using (app)
        {
            await app.RunAsync();
        }

        return 0;
    }

    private static void InsertBeforeEnvironment(ConfigurationManager configuration, IConfigurationSource source)
    {
        var sources = configuration.Sources;
        var index = sources.Count;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                index = i;
                break;
            }
        }

        sources.Insert(index, source);
    }

    private static bool HasConfiguredListener(ConfigurationManager configuration) =>
        !string.IsNullOrEmpty(configuration["urls"]) ||
        !string.IsNullOrEmpty(configuration["http_ports"]) ||
        !string.IsNullOrEmpty(configuration["https_ports"]) ||
        configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
}
