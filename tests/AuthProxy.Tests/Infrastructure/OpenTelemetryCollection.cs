namespace AuthProxy.Tests.Infrastructure;

/// <summary>
/// Tests that switch on OTLP export, and the test that proves nothing listens without it. An OpenTelemetry tracer
/// provider subscribes to the process-wide <c>AuthProxy</c> activity source, so these must not run at the same time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OpenTelemetryCollection
{
    public const string Name = "OpenTelemetry";
}
