using System.Diagnostics.Metrics;

namespace AuthProxy.Telemetry;

/// <summary>The project's own instruments on meter <c>AuthProxy</c>. Each checks <c>Enabled</c> before recording.</summary>
internal sealed class TokenMetrics
{
    private readonly Counter<long> _fetches;
    private readonly Histogram<double> _fetchDuration;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _backoffRejections;
    private readonly Counter<long> _inboundRejections;

    public TokenMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(AuthProxyTelemetry.Name);
        _fetches = meter.CreateCounter<long>("authproxy.token.fetches", "{fetch}", "Token requests sent to token endpoints.");
        _fetchDuration = meter.CreateHistogram<double>("authproxy.token.fetch.duration", "s", "Duration of token requests.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _cacheHits = meter.CreateCounter<long>("authproxy.token.cache.hits", "{request}", "Requests served with a cached token.");
        _retries = meter.CreateCounter<long>("authproxy.upstream.retries", "{request}", "Requests retried after an upstream 401.");
        _backoffRejections = meter.CreateCounter<long>("authproxy.token.backoff.rejections", "{request}",
            "Requests answered 503 because their token provider is backing off.");
        _inboundRejections = meter.CreateCounter<long>("authproxy.inbound.rejections", "{request}",
            "Requests rejected by inbound client authentication or authorization.");
    }

    public void Fetched(string provider, string outcome, TimeSpan duration)
    {
        var providerTag = new KeyValuePair<string, object?>(AuthProxyTelemetry.ProviderTag, provider);
        var outcomeTag = new KeyValuePair<string, object?>(AuthProxyTelemetry.OutcomeTag, outcome);
        if (_fetches.Enabled)
        {
            _fetches.Add(1, providerTag, outcomeTag);
        }

        if (_fetchDuration.Enabled)
        {
            _fetchDuration.Record(duration.TotalSeconds, providerTag, outcomeTag);
        }
    }

    public void CacheHit(string provider)
    {
        if (_cacheHits.Enabled)
        {
            _cacheHits.Add(1, new KeyValuePair<string, object?>(AuthProxyTelemetry.ProviderTag, provider));
        }
    }

    public void Retried(string provider)
    {
        if (_retries.Enabled)
        {
            _retries.Add(1, new KeyValuePair<string, object?>(AuthProxyTelemetry.ProviderTag, provider));
        }
    }

    public void BackoffRejected(string provider)
    {
        if (_backoffRejections.Enabled)
        {
            _backoffRejections.Add(1, new KeyValuePair<string, object?>(AuthProxyTelemetry.ProviderTag, provider));
        }
    }

    public void InboundRejected(string reason)
    {
        if (_inboundRejections.Enabled)
        {
            _inboundRejections.Add(1, new KeyValuePair<string, object?>(AuthProxyTelemetry.ReasonTag, reason));
        }
    }
}
