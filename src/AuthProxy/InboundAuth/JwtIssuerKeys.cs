using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using AuthProxy.Configuration;
using AuthProxy.Telemetry;
using AuthProxy.Tokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthProxy.InboundAuth;

/// <summary>
/// The signing keys of one JWT issuer (README "Clients with a JWT"): its JWKS, fetched from <c>JwksUrl</c> or read from
/// <c>JwksFile</c> as soon as the issuer is configured, cached, refreshed every hour and — at most once per 30 s — when a
/// token names a key id the cache does not know. A failed refresh keeps the cached keys; while there are none the fetch
/// is retried with backoff (1 s doubling to 60 s). The JWKS is parsed by Microsoft.IdentityModel (<see cref="JsonWebKeySet"/>).
/// Time comes from the <see cref="TimeProvider"/>, so tests move it on.
/// </summary>
internal sealed class JwtIssuerKeys : IDisposable
{
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromHours(1);
    internal static readonly TimeSpan UnknownKeyInterval = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);
    private const long MaxJwksBytes = 1024 * 1024;

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly HttpMessageInvoker? _http;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private volatile KeySet _current;
    private Task? _inflight;
    private long _lastAttemptTicks = long.MinValue;
    private int _failures;
    private bool _disposed;

    public JwtIssuerKeys(JwtIssuerDefinition definition, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        Definition = definition;
        _time = time;
        _logger = logger;
        _stopping = stopping;
        _current = new KeySet(definition, [], time);
        if (definition.JwksUrl is not null)
        {
            _http = CreateClient(definition);
        }

        using (ExecutionContext.SuppressFlow())
        {
            _timer = time.CreateTimer(static state => ((JwtIssuerKeys)state!).StartFetch(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public JwtIssuerDefinition Definition { get; }

    /// <summary>The cached keys and the validation parameters built from them (rebuilt only when the keys change).</summary>
    public KeySet Current => _current;

    /// <summary>Starts the first fetch (at start-up, or when a reload adds or changes the issuer).</summary>
    public void Start() => StartFetch();

    /// <summary>
    /// A token names key <paramref name="keyId"/>, which the cache lacks (or there are no keys yet): fetch the JWKS again,
    /// unless that was tried within the last 30 s, and wait for it (bounded by the fetch timeout and the caller's token).
    /// </summary>
    public async Task<KeySet> RefreshForUnknownKeyAsync(string? keyId, CancellationToken cancellationToken)
    {
        Task? fetch;
        lock (_gate)
        {
            fetch = _inflight;
            if (fetch is null)
            {
                var now = _time.GetUtcNow().UtcTicks;
                if (_lastAttemptTicks != long.MinValue && now - _lastAttemptTicks < UnknownKeyInterval.Ticks)
                {
                    return _current;
                }

                Log.JwksRefreshForUnknownKey(_logger, Definition.Name, LogValue.Escape(keyId ?? "(none)"));
                fetch = StartFetchLocked();
            }
        }

        if (fetch is not null)
        {
            await fetch.WaitAsync(cancellationToken);
        }

        return _current;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _timer.Dispose();
        _http?.Dispose();
    }

    private void StartFetch()
    {
        lock (_gate)
        {
            if (_inflight is null)
            {
                StartFetchLocked();
            }
        }
    }

    private Task? StartFetchLocked()
    {
        if (_disposed)
        {
            return null;
        }

        _lastAttemptTicks = _time.GetUtcNow().UtcTicks;
        using (ExecutionContext.SuppressFlow())
        {
            return _inflight = Task.Run(FetchAsync);
        }
    }

    private async Task FetchAsync()
    {
        string? failure;
        IList<SecurityKey>? keys = null;
        try
        {
            using var timeout = new CancellationTokenSource(FetchTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping);
            (keys, failure) = await ReadKeysAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            failure = $"no answer within {FetchTimeout.TotalSeconds:0} s";
        }
        catch (OperationCanceledException)
        {
            failure = "the proxy is shutting down";
        }
        catch (Exception ex)
        {
            failure = $"unexpected {ex.GetType().Name}";
        }

        lock (_gate)
        {
            TimeSpan next;
            if (failure is null)
            {
                _current = new KeySet(Definition, [.. keys!], _time);
                _failures = 0;
                next = RefreshInterval;
                Log.JwksFetched(_logger, Definition.Name, keys!.Count, LogValue.Escape(string.Join(", ", keys!.Select(k => k.KeyId ?? "(no kid)"))));
            }
            else
            {
                // With keys in hand a failed refresh keeps them; retried like a start-up failure, at most every 60 s.
                next = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(_failures, 6))));
                _failures++;
                Log.JwksFetchFailed(_logger, Definition.Name, failure, _current.Keys.Count, _time.GetUtcNow() + next);
            }

            _inflight = null;
            if (!_disposed)
            {
                _timer.Change(next, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private async Task<(IList<SecurityKey>? Keys, string? Failure)> ReadKeysAsync(CancellationToken cancellationToken)
    {
        string json;
        if (Definition.JwksFile is { } file)
        {
            var outcome = SmallFile.TryReadTrimmed(file, MaxJwksBytes, out json, out _);
            if (outcome != SmallFileOutcome.Read)
            {
                return (null, $"the JwksFile {SmallFile.Describe(outcome, MaxJwksBytes)}");
            }
        }
        else
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Definition.JwksUrl);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            string? bearer = null;
            if (Definition.JwksBearerTokenFile is { } tokenFile)
            {
                if (!new Secret("JwksBearerToken", inline: null, tokenFile).TryRead(out bearer, out var error))
                {
                    return (null, error);
                }

                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            HttpResponseMessage response;
            try
            {
                response = await _http!.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                return (null, $"the JWKS endpoint could not be reached ({ex.HttpRequestError})");
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    return (null, $"the JWKS endpoint answered {(int)response.StatusCode}");
                }

                if (response.Content.Headers.ContentLength > MaxJwksBytes)
                {
                    return (null, "the JWKS is larger than 1 MiB");
                }

                json = await response.Content.ReadAsStringAsync(cancellationToken);
                if (json.Length > MaxJwksBytes)
                {
                    return (null, "the JWKS is larger than 1 MiB");
                }
            }
        }

        IList<SecurityKey> keys;
        try
        {
            keys = new JsonWebKeySet(json).GetSigningKeys();
        }
        catch (ArgumentException)
        {
            return (null, "the JWKS is not a JSON Web Key Set");
        }

        var usable = keys.Where(k => k is RsaSecurityKey or ECDsaSecurityKey or JsonWebKey { Kty: "RSA" or "EC" }).ToList();
        return usable.Count == 0 ? (null, "the JWKS holds no RSA or EC signing key") : (usable, null);
    }

    private static HttpMessageInvoker CreateClient(JwtIssuerDefinition definition)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = FetchTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (definition.CaCertificateFile is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                TokenEndpointClient.ValidateWithExtraRoots(certificate, errors, roots);
        }

        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>One version of an issuer's keys, with the validation parameters that use them.</summary>
    internal sealed class KeySet
    {
        public KeySet(JwtIssuerDefinition definition, IReadOnlyList<SecurityKey> keys, TimeProvider time)
        {
            Keys = keys;
            KeyIds = keys.Select(k => k.KeyId).Where(id => !string.IsNullOrEmpty(id)).ToHashSet(StringComparer.Ordinal);
            Parameters = new TokenValidationParameters
            {
                ValidIssuer = definition.Issuer,
                ValidateIssuer = true,
                ValidAudiences = definition.Audiences,
                ValidateAudience = true,
                IssuerSigningKeys = keys,
                ValidAlgorithms = JwtCredentialCheck.Algorithms,
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ValidateLifetime = true,
                ClockSkew = JwtCredentialCheck.ClockSkew,
                ValidateIssuerSigningKey = false, // the JWKS is the trust; keys carry no validity of their own
                TryAllIssuerSigningKeys = true,   // a token without kid is tried against every key
                LifetimeValidator = (notBefore, expires, _, _) => JwtCredentialCheck.ValidateLifetime(notBefore, expires, time.GetUtcNow()),
                SaveSigninToken = false,
            };
        }

        public IReadOnlyList<SecurityKey> Keys { get; }

        public HashSet<string> KeyIds { get; }

        public TokenValidationParameters Parameters { get; }
    }
}
