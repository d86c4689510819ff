using System.Globalization;
using AuthProxy.Admin;
using AuthProxy.Configuration;
using AuthProxy.Http;
using AuthProxy.InboundAuth;
using AuthProxy.Telemetry;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace AuthProxy.Hosting;

/// <summary>Builds and runs the proxy host. Used by <c>Program</c>, the sandbox and the tests.</summary>
public static class AuthProxyApp
{
    /// <summary>Listener used when nothing else configures one: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>
    /// Builds the proxy from its command-line arguments (<c>--config</c>, <c>--urls</c>, configuration overrides).
    /// Throws <see cref="ConfigurationProblemsException"/> when the configuration is invalid and
    /// <see cref="ArgumentException"/> for arguments the command line does not accept.
    /// </summary>
    /// <param name="args">Command-line arguments (<c>--config</c>, <c>--urls</c>, any configuration key).</param>
    /// <param name="configure">Lets the sandbox and tests adjust the builder (e.g. a fake <see cref="TimeProvider"/>).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var command = CommandLine.Parse(args);
        if (command.Error is not null || command.Verb != CommandVerb.Run)
        {
            throw new ArgumentException(command.Error ?? $"'{command.Verb}' does not start the proxy", nameof(args));
        }

        return Build(command, configure);
    }

    /// <summary>Runs the command line until shutdown; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["validate", .. var rest])
        {
            return ValidateCommand.Run(rest, Console.Out, Console.Error);
        }

        var command = CommandLine.Parse(args);
        switch (command)
        {
            case { Error: { } error }:
                await Console.Error.WriteLineAsync($"AuthProxy: {error}");
                await Console.Error.WriteLineAsync();
                await Console.Error.WriteLineAsync(CommandLine.Usage);
                return 2;
            case { Verb: CommandVerb.Help }:
                await Console.Out.WriteLineAsync(CommandLine.Usage);
                return 0;
            case { Verb: CommandVerb.Version }:
                await Console.Out.WriteLineAsync($"AuthProxy {CommandLine.Version}");
                return 0;
        }

        WebApplication app;
        try
        {
            app = Build(command, configure: null);
        }
        catch (ConfigurationProblemsException ex)
        {
            await Console.Error.WriteLineAsync($"AuthProxy: configuration '{ConfigFile.ResolvePath(command.ConfigPath)}' is invalid:");
            foreach (var problem in ex.Problems)
            {
                await Console.Error.WriteLineAsync("  " + problem);
            }

            return 1;
        }

        await using (app)
        {
            try
            {
                await app.StartAsync();
            }
            catch (Exception ex) when (ListenerFailure.Describe(ex, Listeners(app)) is { } line)
            {
                await Console.Error.WriteLineAsync($"AuthProxy: {line}");
                return 1;
            }

            await app.WaitForShutdownAsync();
        }

        return 0;
    }

    private static WebApplication Build(CommandLine command, Action<WebApplicationBuilder>? configure)
    {
        var snapshot = ConfigSnapshot.Load(ConfigFile.ResolvePath(command.ConfigPath), command.ConfigArgs);
        if (!snapshot.IsValid)
        {
            throw new ConfigurationProblemsException(snapshot.Problems);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [.. command.ConfigArgs] });
        // The slim builder leaves out Kestrel's HTTPS configuration; https listeners in Kestrel:Endpoints need it.
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(ConnectionOrigin.Capture);
        builder.WebHost.ConfigureKestrel(InboundCertificateCheck.AcceptForPinning);
        // No "Server: Kestrel" on every answer (it tells a scanner what runs here); Kestrel:AddServerHeader=true restores it.
        builder.WebHost.ConfigureKestrel(options => options.AddServerHeader = builder.Configuration.GetValue("Kestrel:AddServerHeader", false));
        var file = new ConfigFileSource(snapshot.FileData);
        ConfigLayers.Arrange(builder.Configuration, file);
        AddListeners(builder, snapshot.Admin);

        builder.Services.AddAuthProxy(builder.Configuration, snapshot, file, command.ConfigArgs);
        configure?.Invoke(builder);
        builder.AddAuthProxyOpenTelemetry();
        LogGuard.Install(builder.Services);

        var app = builder.Build();
        app.MapAuthProxy();
        return app;
    }

    /// <summary>The default listener when none is configured, and the dedicated admin listeners of <c>Admin:Urls</c>.</summary>
    private static void AddListeners(WebApplicationBuilder builder, AdminOptions admin)
    {
        var configuration = builder.Configuration;
        var adminUrls = admin.Listeners.Select(l => l.Url).ToList();
        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            // Kestrel ignores urls once endpoints are configured: the admin listeners become endpoints too.
            configuration.AddInMemoryCollection(adminUrls.Select((url, i) =>
                new KeyValuePair<string, string?>($"Kestrel:Endpoints:AuthProxyAdmin{i}:Url", url)));
            return;
        }

        var urls = HasConfiguredListener(configuration) ? configuration["urls"] : DefaultUrl;
        if (adminUrls.Count > 0 || !HasConfiguredListener(configuration))
        {
            builder.WebHost.UseUrls([.. (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), .. adminUrls]);
        }
    }

    /// <summary>
    /// Where an operator on this host opens the dashboard of a started proxy: on the first dedicated admin listener
    /// (<c>Admin:Urls</c>) when there is one, else on <paramref name="listenerUrl"/> (a wildcard host becomes loopback,
    /// since the dashboard answers loopback callers only).
    /// </summary>
    /// <param name="app">The started proxy.</param>
    /// <param name="listenerUrl">One of its listeners, e.g. <c>http://127.0.0.1:8080</c>.</param>
    public static string DashboardUrl(WebApplication app, string listenerUrl)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(listenerUrl);
        var admin = app.Services.GetRequiredService<AdminAccess>().Options;
        var root = admin.HasDedicatedListeners ? admin.Listeners[0].Url : listenerUrl;
        var address = BindingAddress.Parse(root);
        var host = address.Host switch
        {
            "0.0.0.0" or "*" or "+" => "127.0.0.1",
            "[::]" => "[::1]",
            var named => named,
        };
        return string.Create(CultureInfo.InvariantCulture, $"{address.Scheme}://{host}:{address.Port}{DashboardEndpoint.Path}");
    }

    private static string Listeners(WebApplication app)
    {
        var addresses = app.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        return addresses is { Count: > 0 } ? string.Join(", ", addresses) : app.Configuration["urls"] ?? DefaultUrl;
    }

    private static bool HasConfiguredListener(ConfigurationManager configuration) =>
        !string.IsNullOrEmpty(configuration["urls"]) ||
        !string.IsNullOrEmpty(configuration["http_ports"]) ||
        !string.IsNullOrEmpty(configuration["https_ports"]) ||
        configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
}
