using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AuthProxy.Telemetry;

/// <summary>
/// Exports traces, metrics and logs over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (CONTRACT §5). The
/// standard <c>OTEL_*</c> settings are read from configuration, so environment variables and command-line
/// overrides both work. .NET 10's own ASP.NET Core, HttpClient and YARP sources and meters are subscribed directly.
/// </summary>
internal static class OpenTelemetrySetup
{
    internal const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    private static readonly string[] ActivitySources = [AuthProxyTelemetry.Name, "Microsoft.AspNetCore", "System.Net.Http", "Yarp.ReverseProxy"];

    private static readonly string[] Meters =
    [
        AuthProxyTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.Authentication", "Microsoft.AspNetCore.Authorization",
        "System.Net.Http", "System.Net.NameResolution", "System.Runtime",
    ];

    /// <summary>Wires OTLP export into the app when an endpoint is configured; otherwise does nothing.</summary>
    public static void AddAuthProxyOpenTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrWhiteSpace(configuration[EndpointKey]) || string.Equals(configuration["OTEL_SDK_DISABLED"], "true", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var sdk = OpenTelemetrySdk.Create(otel =>
        {
            var serviceName = configuration["OTEL_SERVICE_NAME"];
            otel.ConfigureResource(resource => resource.AddService(string.IsNullOrWhiteSpace(serviceName) ? "authproxy" : serviceName));
            otel.WithTracing(tracing => tracing.AddSource(ActivitySources));
            otel.WithMetrics(metrics => metrics.AddMeter(Meters));
            otel.WithLogging();
            // Endpoint and protocol come from the app's configuration (environment or command line); the SDK
            // reads the other OTEL_* variables (headers, timeouts, export intervals) from the environment itself.
            otel.UseOtlpExporter(Protocol(configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]), new Uri(configuration[EndpointKey]!));
        });

        builder.Services.AddHostedService(_ => new SdkLifetime(sdk));
        builder.Logging.AddProvider(new ForwardingLoggerProvider(sdk.GetLoggerFactory()));
    }

    private static OpenTelemetry.Exporter.OtlpExportProtocol Protocol(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "http/protobuf" => OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf,
        _ => OpenTelemetry.Exporter.OtlpExportProtocol.Grpc, // the .NET SDK's default
    };

    /// <summary>Flushes and disposes the SDK when the host stops, so the last spans and metrics are exported.</summary>
    private sealed class SdkLifetime(OpenTelemetrySdk sdk) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            sdk.Dispose();
            return Task.CompletedTask;
        }
    }

    /// <summary>Sends the app's log records to the OpenTelemetry SDK's logger factory.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

        public void Dispose()
        {
            // The SDK owns the factory and is disposed (flushing exports) with the DI container.
        }
    }
}
