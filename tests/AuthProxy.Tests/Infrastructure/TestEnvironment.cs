using AuthProxy.Sandbox.Hosting;

namespace AuthProxy.Tests.Infrastructure;

/// <summary>
/// The end-to-end rig (after YARP's functional-test <c>TestEnvironment</c>): a fake token endpoint, fake upstreams
/// (or the sandbox emulators), optionally an OTLP receiver, and the real proxy configured against them, every one on
/// 127.0.0.1:0. Disposing stops all of them, the proxy first.
/// </summary>
public sealed class TestEnvironment : IAsyncDisposable
{
    private readonly List<FakeServer> _upstreams = [];
    private FakeServer? _idp;
    private FakeServer? _collector;
    private SandboxEmulators? _sandbox;
    private ProxyHost? _proxy;
    private HttpClient? _client;
    private bool _proxyStopped;

    private TestEnvironment()
    {
    }

    /// <summary>The fake token endpoint (not with <see cref="TestEnvironmentOptions.Sandbox"/>).</summary>
    public FakeServer Idp => _idp ?? throw NotStarted("the fake token endpoint", "TestEnvironmentOptions.Sandbox is set");

    /// <summary>The first fake upstream.</summary>
    public FakeServer Upstream => Upstreams[0];

    /// <summary>The fake upstreams, one per <see cref="TestEnvironmentOptions.Upstreams"/> handler.</summary>
    public IReadOnlyList<FakeServer> Upstreams => _upstreams.Count > 0 ? _upstreams : throw NotStarted("fake upstreams", "TestEnvironmentOptions.Sandbox is set");

    /// <summary>The sandbox emulators (only with <see cref="TestEnvironmentOptions.Sandbox"/>).</summary>
    public SandboxEmulators Sandbox => _sandbox ?? throw NotStarted("the sandbox emulators", "TestEnvironmentOptions.Sandbox is not set");

    /// <summary>The OTLP/HTTP receiver (only with <see cref="TestEnvironmentOptions.Collector"/>).</summary>
    public FakeServer Collector => _collector ?? throw NotStarted("the OTLP receiver", "TestEnvironmentOptions.Collector is not set");

    /// <summary>A temp folder for secret and key files, deleted with the environment.</summary>
    public TempDirectory Files { get; } = new();

    public ProxyHost Proxy => _proxy ?? throw NotStarted("the proxy", "its configuration is still being built");

    /// <summary>A client for the proxy (see <see cref="ProxyHost.CreateClient"/>); more come from <c>Proxy.CreateClient()</c>.</summary>
    public HttpClient Client => _client ??= Proxy.CreateClient();

    public static Task<TestEnvironment> StartAsync(ITestOutputHelper output, Action<TestEnvironmentOptions>? configure = null)
    {
        var options = new TestEnvironmentOptions();
        configure?.Invoke(options);
        return StartAsync(output, options);
    }

    /// <summary>Starts the fakes, then the proxy with the configuration built from them. What started is stopped again if a step fails.</summary>
    public static async Task<TestEnvironment> StartAsync(ITestOutputHelper output, TestEnvironmentOptions options)
    {
        var env = new TestEnvironment();
        try
        {
            if (options.Sandbox)
            {
                using var cts = TestTimeouts.Cts();
                env._sandbox = await SandboxEmulators.StartAsync(SandboxEmulatorsOptions.Ephemeral(), cts.Token);
            }
            else
            {
                env._idp = await FakeServer.StartAsync(options.Idp);
                foreach (var handler in options.Upstreams)
                {
                    env._upstreams.Add(await FakeServer.StartAsync(handler));
                }
            }

            List<string> args = [.. options.ProxyArgs];
            if (options.Collector)
            {
                env._collector = await FakeServer.StartAsync();
                args.InsertRange(0, ["--OTEL_EXPORTER_OTLP_ENDPOINT", env._collector.Url, "--OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"]);
            }

            env._proxy = await ProxyHost.StartAsync(options.Config(env), output, options.Time, options.MinimumLevel, [.. args], options.ConfigureProxy);
            return env;
        }
        catch
        {
            await env.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the proxy before the rest, e.g. so that its exporters flush to <see cref="Collector"/>.</summary>
    public async ValueTask StopProxyAsync()
    {
        if (_proxyStopped)
        {
            return;
        }

        _proxyStopped = true;
        _client?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopProxyAsync();
        foreach (var upstream in _upstreams)
        {
            await upstream.DisposeAsync();
        }

        if (_idp is not null)
        {
            await _idp.DisposeAsync();
        }

        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }

        if (_collector is not null)
        {
            await _collector.DisposeAsync();
        }

        Files.Dispose();
    }

    private static InvalidOperationException NotStarted(string what, string why) => new($"This test environment has no {what}: {why}.");
}
