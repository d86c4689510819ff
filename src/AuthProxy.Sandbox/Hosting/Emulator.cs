using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Tokens;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// What the four emulators share: a bare Kestrel host on 127.0.0.1, the token store, the counters, the failure hooks
/// and the bookkeeping of every issued credential and refusal. Each emulator declares only its own endpoints
/// (<see cref="MapEndpoints"/>) and what they answer.
/// </summary>
public abstract class Emulator : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly string _name;
    private readonly string[] _issuers;
    private readonly int _port;
    private readonly Action<HttpContext>? _onRequest;
    private readonly Action<ILoggingBuilder>? _configureLogging;
    private WebApplication? _app;

    /// <param name="name">The emulator's name in its log lines (<c>IAM</c>, <c>Key Protect</c>…).</param>
    /// <param name="options">The shared settings.</param>
    /// <param name="issuers">The issuers whose tokens <see cref="RevokeAll"/> revokes.</param>
    private protected Emulator(string name, EmulatorOptions options, params string[] issuers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort);
        _name = name;
        _issuers = issuers;
        _port = options.Port;
        _onRequest = options.OnRequest;
        _configureLogging = options.ConfigureLogging;
        Time = options.TimeProvider ?? TimeProvider.System;
        Tokens = options.Tokens ?? new IssuedTokenStore();
        BeforeToken = options.BeforeToken;
        BeforeApi = options.BeforeApi;
    }

    /// <summary>Base URL without a trailing slash, e.g. <c>http://127.0.0.1:8091</c>; empty until started.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Where issued tokens are recorded and checked (see <see cref="EmulatorOptions.Tokens"/>).</summary>
    public IssuedTokenStore Tokens { get; }

    public EmulatorCounters Counters { get; } = new();

    /// <summary>
    /// Failure injection before each of this emulator's token endpoints (if it has any); returning <see langword="true"/>
    /// means it answered. See <see cref="EmulatorOptions.BeforeToken"/>.
    /// </summary>
    public Func<HttpContext, Task<bool>>? BeforeToken { get; set; }

    /// <summary>Failure injection before each of this emulator's API endpoints (if it has any); returning <see langword="true"/> means it answered.</summary>
    public Func<HttpContext, Task<bool>>? BeforeApi { get; set; }

    /// <summary>The emulator's clock.</summary>
    private protected TimeProvider Time { get; }

    private protected ILogger Logger { get; private set; } = NullLogger.Instance;

    /// <summary>Revokes every token of this emulator's issuers issued so far: they get 401 from now on.</summary>
    public int RevokeAll()
    {
        var count = _issuers.Sum(issuer => Tokens.RevokeAll(issuer));
        EmulatorLog.Revoked(Logger, _name, count);
        return count;
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_app is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>Starts <paramref name="emulator"/> listening; disposes it again if that fails (a port taken).</summary>
    private protected static async Task<TEmulator> ListenAsync<TEmulator>(TEmulator emulator, CancellationToken cancellationToken)
        where TEmulator : Emulator
    {
        try
        {
            await emulator.StartHostAsync(cancellationToken);
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }

        EmulatorLog.Started(emulator.Logger, emulator._name, emulator.Url);
        return emulator;
    }

    /// <summary>Maps the emulator's endpoints.</summary>
    private protected abstract void MapEndpoints(IEndpointRouteBuilder endpoints);

    /// <summary>The HTTP versions the emulator's listener speaks (cleartext, so one of them).</summary>
    /// <remarks>Default HTTP/1.1.</remarks>
    private protected virtual HttpProtocols Protocols => HttpProtocols.Http1;

    /// <summary>Registers what the emulator's endpoints need beyond routing (a gRPC service, say).</summary>
    private protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Counts a request to the token endpoint at <paramref name="path"/> and runs <see cref="BeforeToken"/>: true when the hook answered.</summary>
    private protected Task<bool> TokenRequestHandledAsync(HttpContext context, string path)
    {
        Counters.CountTokenRequest(path);
        return HookHandledAsync(BeforeToken, context);
    }

    /// <summary>Counts an API request and runs <see cref="BeforeApi"/>: true when the hook answered.</summary>
    private protected Task<bool> ApiRequestHandledAsync(HttpContext context)
    {
        Counters.CountApiRequest();
        return HookHandledAsync(BeforeApi, context);
    }

    /// <summary>Records an issued credential in <see cref="Tokens"/>, counts and logs it (never its value).</summary>
    private protected void RecordIssued(string token, string issuer, string subject, string flow, DateTimeOffset issuedAt, DateTimeOffset? expiresAt,
        TimeSpan? idleTimeout = null)
    {
        Tokens.Add(token, issuer, subject, issuedAt, expiresAt, idleTimeout);
        Counters.CountIssued();
        var expiry = expiresAt is { } at
            ? at.ToString("O", CultureInfo.InvariantCulture)
            : "after " + idleTimeout.GetValueOrDefault().ToString("c", CultureInfo.InvariantCulture) + " idle";
        EmulatorLog.Issued(Logger, _name, flow, subject, expiry);
    }

    /// <summary>Counts and logs a refusal, then answers <paramref name="status"/> with <paramref name="body"/>.</summary>
    private protected Task RefuseAsync(HttpContext context, RejectionReason reason, int status, JsonNode body)
    {
        Counters.CountRejection(reason);
        EmulatorLog.Refused(Logger, _name, context.Request.Method, context.Request.Path, status, reason);
        return EmulatorHttp.WriteJsonAsync(context, status, body);
    }

    private async Task<bool> HookHandledAsync(Func<HttpContext, Task<bool>>? hook, HttpContext context)
    {
        if (hook is null || !await hook(context))
        {
            return false;
        }

        Counters.CountInjected();
        return true;
    }

    /// <summary>
    /// Builds the host from an empty builder, so nothing from the environment (<c>ASPNETCORE_URLS</c>,
    /// <c>appsettings.json</c>) changes where it listens, and starts it.
    /// </summary>
    private async Task StartHostAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging(logging => _configureLogging?.Invoke(logging));
        builder.Services.AddSingleton<IHostLifetime, ManualHostLifetime>();
        ConfigureServices(builder.Services);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, _port, listen => listen.Protocols = Protocols);
        });

        _app = builder.Build();
        Logger = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(GetType());

        // A failure hook that hangs (awaiting context.RequestAborted) is released when the emulator stops, so
        // disposing an emulator in a chaos test does not wait out Kestrel's shutdown timeout.
        var stopping = _app.Lifetime.ApplicationStopping;
        _app.Use(async (context, next) =>
        {
            using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            context.RequestAborted = aborted.Token;
            _onRequest?.Invoke(context);
            await next(context);
        });
        MapEndpoints(_app);
        await _app.StartAsync(cancellationToken);

        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Url = address.TrimEnd('/');
    }
}
