namespace AuthProxy.Tests.Infrastructure;

/// <summary>What a <see cref="TestEnvironment"/> starts: its fakes' handlers, the proxy's configuration and settings.</summary>
public sealed class TestEnvironmentOptions
{
    private static readonly Func<HttpContext, RecordedRequest, Task> EmptyOk = static (_, _) => Task.CompletedTask;

    /// <summary>The fake token endpoint's handler.</summary>
    /// <remarks>Default: <see cref="FakeIam.Tokens"/> (a fresh counter per environment: <c>tok-1</c>, <c>tok-2</c>, …).</remarks>
    public Func<HttpContext, RecordedRequest, Task> Idp { get; set; } = FakeIam.Tokens();

    /// <summary>One fake upstream per handler, in order (<see cref="TestEnvironment.Upstreams"/>).</summary>
    /// <remarks>Default: one upstream answering 200 with an empty body.</remarks>
    public IList<Func<HttpContext, RecordedRequest, Task>> Upstreams { get; } = [EmptyOk];

    /// <summary>The first upstream's handler.</summary>
    public Func<HttpContext, RecordedRequest, Task> Upstream
    {
        get => Upstreams[0];
        set => Upstreams[0] = value;
    }

    /// <summary>
    /// Runs the four sandbox emulators (stateful: issued tokens, revocation) instead of the fake token endpoint and
    /// upstreams; <see cref="Config"/> must then point the proxy at <see cref="TestEnvironment.Sandbox"/>.
    /// </summary>
    public bool Sandbox { get; set; }

    /// <summary>Starts an OTLP/HTTP receiver (<see cref="TestEnvironment.Collector"/>) and makes the proxy export to it.</summary>
    public bool Collector { get; set; }

    /// <summary>The proxy's configuration file, built once the fakes listen (their URLs and <see cref="TestEnvironment.Files"/> are usable).</summary>
    /// <remarks>Default: <see cref="Configs.Kms"/> against the fake token endpoint and the first upstream.</remarks>
    public Func<TestEnvironment, string> Config { get; set; } = static env => Configs.Kms(env.Idp.Url, env.Upstream.Url);

    /// <remarks>Default <see cref="LogLevel.Debug"/>.</remarks>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Debug;

    /// <summary>The proxy's clock.</summary>
    /// <remarks>Default: the system clock.</remarks>
    public TimeProvider? Time { get; set; }

    /// <summary>More command-line arguments for the proxy (after <c>--config</c> and <c>--urls</c>).</summary>
    public List<string> ProxyArgs { get; } = [];

    /// <summary>Adjusts the proxy's builder after the test defaults (logging, clock).</summary>
    public Action<WebApplicationBuilder>? ConfigureProxy { get; set; }
}
