using System.Net;
using System.Text;
using AuthProxy.Telemetry;
using AuthProxy.Tests.Infrastructure;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AuthProxy.Tests.Telemetry;

/// <summary>
/// README, Telemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans, metrics and logs reach an OTLP/HTTP receiver;
/// without it (or with OTEL_SDK_DISABLED) no OpenTelemetry provider or listener exists.
/// </summary>
[Collection(OpenTelemetryCollection.Name)]
public sealed class OpenTelemetryExportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OtlpEndpointSet_SpansMetricsAndLogsArrive_WithoutSecrets()
    {
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Collector = true;
            o.ProxyArgs.AddRange(["--OTEL_SERVICE_NAME", "authproxy-test", "--OTEL_EXPORTER_OTLP_HEADERS", "x-collector-key=k-1"]);
        });
        Assert.NotNull(env.Proxy.Services.GetService<TracerProvider>());
        Assert.NotNull(env.Proxy.Services.GetService<MeterProvider>());
        Assert.NotNull(env.Proxy.Services.GetService<LoggerProvider>());
        Assert.Equal(HttpStatusCode.OK, (await env.Client.GetAsync("/kms/api/v2/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await env.Client.GetAsync("/kms/api/v2/keys")).StatusCode);

        // Stopping the proxy flushes every exporter.
        await env.StopProxyAsync();

        var collector = env.Collector;
        output.WriteLine(string.Join(", ", collector.Requests.Select(r => r.Method + " " + r.Path + " " + r.Body.Length)));
        var byPath = collector.Requests.GroupBy(r => r.Path).ToDictionary(g => g.Key, g => g.ToList());
        Assert.True(byPath.ContainsKey("/v1/traces"), "no traces exported");
        Assert.True(byPath.ContainsKey("/v1/metrics"), "no metrics exported");
        Assert.True(byPath.ContainsKey("/v1/logs"), "no logs exported");
        Assert.All(collector.Requests, r => Assert.Equal("k-1", r.Header("x-collector-key"))); // OTEL_* beyond the endpoint also come from the command line

        var traces = Text(byPath["/v1/traces"]);
        Assert.Contains("authproxy.token.fetch", traces);
        Assert.Contains("authproxy-test", traces);
        var metrics = Text(byPath["/v1/metrics"]);
        Assert.Contains("authproxy.token.fetches", metrics);
        Assert.Contains("authproxy.token.fetch.duration", metrics);
        Assert.Contains("authproxy.token.cache.hits", metrics);
        Assert.Contains("http.server.request.duration", metrics);

        var everything = traces + metrics + Text(byPath["/v1/logs"]);
        Assert.DoesNotContain(Configs.ApiKey, everything);
        Assert.DoesNotContain("tok-1", everything);
    }

    [Fact]
    public async Task OtlpEndpointSetWithoutServiceName_ServiceNameIsAuthproxy()
    {
        await using var env = await TestEnvironment.StartAsync(output, o => o.Collector = true);
        Assert.Equal(HttpStatusCode.OK, (await env.Client.GetAsync("/kms/api/v2/keys")).StatusCode);
        await env.StopProxyAsync();

        var traces = Text(env.Collector.Requests.Where(r => r.Path == "/v1/traces"));
        Assert.Contains("authproxy.token.fetch", traces);
        Assert.Contains(OpenTelemetrySetup.DefaultServiceName, traces);
        Assert.DoesNotContain("unknown_service", traces);
    }

    [Theory]
    [InlineData("", "false")]
    [InlineData("http://127.0.0.1:9", "true")]
    public async Task NoEndpointOrSdkDisabled_NoProviderNoListener(string endpoint, string sdkDisabled)
    {
        // Both are always given on the command line (an empty endpoint is not configured), so that an OTEL_* variable
        // in the test process's own environment cannot switch export on.
        await using var env = await TestEnvironment.StartAsync(output, o =>
            o.ProxyArgs.AddRange(["--OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "--OTEL_SDK_DISABLED", sdkDisabled]));
        Assert.Equal(HttpStatusCode.OK, (await env.Client.GetAsync("/kms/api/v2/keys")).StatusCode);

        var services = env.Proxy.Services;
        Assert.Null(services.GetService<TracerProvider>());
        Assert.Null(services.GetService<MeterProvider>());
        Assert.Null(services.GetService<LoggerProvider>());
        Assert.DoesNotContain(services.GetServices<ILoggerProvider>(), p => p.GetType().FullName!.StartsWith("OpenTelemetry", StringComparison.Ordinal));
        Assert.DoesNotContain(services.GetServices<IHostedService>(), s => s.GetType().FullName!.StartsWith("OpenTelemetry", StringComparison.Ordinal));
        Assert.False(AuthProxyTelemetry.ActivitySource.HasListeners(), "something listens to the AuthProxy activity source");
    }

    private static string Text(IEnumerable<RecordedRequest> requests) =>
        string.Concat(requests.Select(r => Encoding.UTF8.GetString(r.Body)));
}
