using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// A bare Kestrel host on 127.0.0.1 for one emulator. Built from an empty builder so nothing from the
/// environment (<c>ASPNETCORE_URLS</c>, <c>appsettings.json</c>) changes where it listens.
/// </summary>
internal sealed class EmulatorHost : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;

    private EmulatorHost(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Base URL without a trailing slash, e.g. <c>http://127.0.0.1:8091</c>.</summary>
    public string Url { get; }

    /// <summary>Builds the host, lets <paramref name="map"/> add the endpoints, and starts listening.</summary>
    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options, Action<WebApplication> map, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging(logging => options.ConfigureLogging?.Invoke(logging));
        builder.Services.AddSingleton<IHostLifetime, ManualHostLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port);
        });

        var app = builder.Build();
        try
        {
            // A failure hook that hangs (awaiting context.RequestAborted) is released when the emulator stops, so
            // disposing an emulator in a chaos test does not wait out Kestrel's shutdown timeout.
            var stopping = app.Lifetime.ApplicationStopping;
            app.Use(async (context, next) =>
            {
                using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
                context.RequestAborted = aborted.Token;
                options.OnRequest?.Invoke(context);
                await next(context);
            });
            map(app);
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new EmulatorHost(app, address.TrimEnd('/'));
    }

    public async ValueTask DisposeAsync()
    {
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
}
