using System.Diagnostics.Metrics;
using AuthProxy.Telemetry;

namespace AuthProxy.Benchmarks;

/// <summary>
/// Enables every instrument of meter <c>AuthProxy</c> and sums the long measurements, standing in for an
/// OpenTelemetry exporter: with OTLP configured the cache-hit counter is live on every request.
/// </summary>
internal sealed class MetricsListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _sum;

    public MetricsListener()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AuthProxyTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _sum, value));
        _listener.Start();
    }

    public long Sum => Interlocked.Read(ref _sum);

    public void Dispose() => _listener.Dispose();
}
