using System.Collections.Concurrent;
using AuthProxy.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AuthProxy.Tests.Infrastructure;

/// <summary>
/// The real proxy (AuthProxyApp) on 127.0.0.1:0 with a configuration file written to a temp folder.
/// Logs go to the test output and are kept in <see cref="Logs"/> so tests can assert no secret leaks.
/// </summary>
public sealed class ProxyHost : IAsyncDisposable
{
    private readonly CapturingLoggerProvider _logs;

    private ProxyHost(WebApplication app, string directory, string configPath, CapturingLoggerProvider logs)
    {
        App = app;
        Directory = directory;
        ConfigPath = configPath;
        _logs = logs;
    }

    public WebApplication App { get; }

    public string Directory { get; }

    public string ConfigPath { get; }

    /// <summary>Every log line written so far (message and exception text).</summary>
    public IReadOnlyCollection<string> Logs => _logs.Lines;

    public string Url { get; private set; } = "";

    /// <summary>Every address the proxy listens on (several with <c>Kestrel:Endpoints</c>), in Kestrel's order.</summary>
    public IReadOnlyList<string> Urls { get; private set; } = [];

    public IServiceProvider Services => App.Services;

    /// <summary>A client for the proxy, with no automatic redirects or cookies.</summary>
    public HttpClient CreateClient() => new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false })
    {
        BaseAddress = new Uri(Url),
        Timeout = TestTimeouts.Default,
    };

    /// <summary>Writes <paramref name="configJson"/> to a temp file and starts the proxy with it.</summary>
    public static async Task<ProxyHost> StartAsync(string configJson, ITestOutputHelper? output = null, TimeProvider? time = null,
        LogLevel minimumLevel = LogLevel.Debug, string[]? extraArgs = null, Action<WebApplicationBuilder>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "authproxy-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var configPath = Path.Combine(directory, "authproxy.json");
        await File.WriteAllTextAsync(configPath, configJson);
        var logs = new CapturingLoggerProvider(output);
        string[] args = ["--config", configPath, "--urls", "http://127.0.0.1:0", .. extraArgs ?? []];
        var app = AuthProxyApp.Build(args, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(minimumLevel);
            // Code rules added last win over the proxy's default Logging:LogLevel settings.
            builder.Logging.AddFilter(category: null, minimumLevel).AddFilter("Microsoft", minimumLevel).AddFilter("Yarp", minimumLevel);
            builder.Logging.AddProvider(logs);
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }

            configure?.Invoke(builder);
        });
        var host = new ProxyHost(app, directory, configPath, logs);
        await app.StartAsync();
        host.Urls = [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
        host.Url = host.Urls[0];
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = TestTimeouts.Cts();
        await App.StopAsync(cts.Token);
        await App.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Keeps every formatted log line (and forwards it to the xunit output when given).</summary>
internal sealed class CapturingLoggerProvider(ITestOutputHelper? output) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        _lines.Enqueue(line);
        try
        {
            output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test already finished; xunit refuses late output.
        }
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IReadOnlyList<KeyValuePair<string, object?>> pairs
                ? " {" + string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) + "}"
                : "";
            owner.Write($"{logLevel,-11} {category}[{eventId.Id}] {formatter(state, exception)}{structured}{(exception is null ? "" : " " + exception)}");
        }
    }
}
