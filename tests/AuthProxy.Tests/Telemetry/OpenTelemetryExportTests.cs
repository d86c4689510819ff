using System.Net;
using System.Text;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Telemetry;

/// <summary>CONTRACT §5: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans, metrics and logs reach an OTLP/HTTP receiver.</summary>
public sealed class OpenTelemetryExportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OtlpEndpointSet_SpansMetricsAndLogsArrive_WithoutSecrets()
    {
        await using var collector = await FakeServer.StartAsync();
        await using var iam = await FakeServer.StartAsync(FakeIam.Tokens());
        await using var upstream = await FakeServer.StartAsync();
        var proxy = await ProxyHost.StartAsync(Configs.Kms(iam.Url, upstream.Url), output, extraArgs:
        [
            "--OTEL_EXPORTER_OTLP_ENDPOINT", collector.Url,
            "--OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
            "--OTEL_SERVICE_NAME", "authproxy-test",
        ]);
        await using (proxy)
        {
            using var client = proxy.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/api/v2/keys")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/api/v2/keys")).StatusCode);
        }

        // Disposing the proxy flushed every exporter.
        output.WriteLine(string.Join(", ", collector.Requests.Select(r => r.Method + " " + r.Path + " " + r.Body.Length)));
        var byPath = collector.Requests.GroupBy(r => r.Path).ToDictionary(g => g.Key, g => g.ToList());
        Assert.True(byPath.ContainsKey("/v1/traces"), "no traces exported");
        Assert.True(byPath.ContainsKey("/v1/metrics"), "no metrics exported");
        Assert.True(byPath.ContainsKey("/v1/logs"), "no logs exported");

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

    private static string Text(IEnumerable<RecordedRequest> requests) =>
        string.Concat(requests.Select(r => Encoding.UTF8.GetString(r.Body)));
}
