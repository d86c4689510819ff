using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AuthProxy.Telemetry;

/// <summary>
/// Exports traces, metrics and logs over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (README, Telemetry). The
/// standard <c>OTEL_*</c> settings are read from the app's configuration, so environment variables and command-line
/// overrides both work. .NET 10's own ASP.NET Core, HttpClient and YARP sources and meters are subscribed directly.
/// </summary>
internal static class OpenTelemetrySetup
{
    internal const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    internal const string ProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";
    internal const string ServiceNameKey = "OTEL_SERVICE_NAME";
    internal const string DisabledKey = "OTEL_SDK_DISABLED";
    internal const string DefaultServiceName = "authproxy";

    internal static readonly string[] ActivitySources = [AuthProxyTelemetry.Name, "Microsoft.AspNetCore", "System.Net.Http", "Yarp.ReverseProxy"];

    internal static readonly string[] Meters =
    [
        AuthProxyTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.Authentication", "Microsoft.AspNetCore.Authorization",
        "System.Net.Http", "System.Net.NameResolution", "System.Runtime",
    ];

    /// <summary>
    /// Registers the OpenTelemetry SDK (tracer, meter and logger providers with OTLP export) when an endpoint is
    /// configured and the SDK is not disabled; otherwise registers nothing, so no listener ever subscribes and
    /// instruments stay disabled.
    /// </summary>
    /// <remarks>
    /// The providers live in the DI container (OpenTelemetry.Extensions.Hosting): they start with the host and are
    /// disposed with it, which flushes the last spans, metrics and logs.
    /// </remarks>
    public static void AddAuthProxyOpenTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var endpoint = configuration[EndpointKey];
        if (string.IsNullOrWhiteSpace(endpoint) || string.Equals(configuration[DisabledKey], "true", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var serviceName = configuration[ServiceNameKey];
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(string.IsNullOrWhiteSpace(serviceName) ? DefaultServiceName : serviceName))
            .WithTracing(tracing => tracing.AddSource(ActivitySources))
            .WithMetrics(metrics => metrics.AddMeter(Meters))
            .WithLogging()
            // Endpoint and protocol are given explicitly so that a value from the command line wins exactly as it does
            // for the check above; the other OTEL_* settings (headers, timeouts, intervals) the SDK reads from the same
            // configuration.
            .UseOtlpExporter(Protocol(configuration[ProtocolKey]), new Uri(endpoint));
    }

    private static OtlpExportProtocol Protocol(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
        _ => OtlpExportProtocol.Grpc, // the .NET SDK's default
    };
}
