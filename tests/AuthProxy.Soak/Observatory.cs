using System.Collections.Concurrent;
using System.Globalization;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Tokens;
using Microsoft.AspNetCore.Http.Features;

namespace AuthProxy.Soak;

/// <summary>How an injected IdP fault answered.</summary>
internal enum FaultKind
{
    ServerError,
    Hang,
    TooManyRequests,
}

/// <summary>One request to a token endpoint, as the emulator saw it.</summary>
internal sealed class TokenCall(ProviderSpec provider, string path, DateTimeOffset start)
{
    public ProviderSpec Provider { get; } = provider;

    public string Path { get; } = path;

    public DateTimeOffset Start { get; } = start;

    public DateTimeOffset? End { get; set; }

    public int Status { get; set; }

    public FaultKind? Injected { get; set; }

    /// <summary>Which replica sent it (from the connection's owner), or null when that could not be told.</summary>
    public int? Replica { get; set; }

    /// <summary>Held by the replica-kill fault: the replica was killed while waiting for it.</summary>
    public bool Held { get; set; }

    public bool IsFirstStep => Path == Provider.FirstPath;

    /// <summary>The proxy got a credential from this call.</summary>
    public bool Succeeded => Path == Provider.FinalPath && Status == 200 && Injected is null && !Held && End is not null;
}

/// <summary>What a credential that reached an upstream emulator was, at the moment it arrived.</summary>
internal enum TokenState
{
    None,
    Ok,
    Revoked,
    Expired,
    NearExpiry,
    IdleDead,
    Unknown,
    NotExpiring,
}

/// <summary>One request that reached an upstream emulator (Key Protect, Cloud Pak API, SKLM API).</summary>
internal sealed class UpstreamAttempt
{
    public required string Emulator { get; init; }

    public required string RawTarget { get; init; }

    public required DateTimeOffset Time { get; init; }

    public long? SoakId { get; init; }

    /// <summary><c>iam</c>, <c>cpd</c>, <c>cpd-idp</c>, <c>sklm</c>, <c>zen</c>, <c>basic</c>, <c>none</c>, <c>unknown</c>.</summary>
    public required string Credential { get; init; }

    public IssuedToken? Token { get; init; }

    public TokenState State { get; init; }

    /// <summary>Time left on an absolutely expiring token when it arrived.</summary>
    public TimeSpan? Remaining { get; init; }

    public int? Generation { get; init; }

    /// <summary>The replica the client sent it to (<see cref="Observatory.ReplicaHeader"/>, forwarded by the proxy).</summary>
    public int? Replica { get; init; }

    public bool InboundCredentialForwarded { get; init; }

    public int Status { get; set; }
}

/// <summary>
/// Watches every request of every emulator (through the sandbox's <c>OnRequest</c> knob): token calls per provider with
/// their timing, concurrency and outcome; upstream attempts per soak request id with the credential they carried and its
/// state on arrival; which generation of the config the routes were on; and any credential that reached the wrong upstream.
/// </summary>
internal sealed class Observatory
{
    public const string SoakIdHeader = "x-soak-id";
    public const string ReplicaHeader = "x-soak-replica";
    private const string CallKey = "soak.tokencall";

    private static readonly Dictionary<string, string[]> Expected = new(StringComparer.Ordinal)
    {
        ["keyprotect"] = ["iam"],
        ["cloudpak"] = ["cpd", "zen"],
        ["sklm"] = ["sklm"],
    };

    private readonly IssuedTokenStore _tokens;
    private readonly ConcurrentDictionary<string, int> _inflight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _maxInflight = new(StringComparer.Ordinal);

    public Observatory(IssuedTokenStore tokens) => _tokens = tokens;

    public ConcurrentQueue<TokenCall> TokenCalls { get; } = new();

    public ConcurrentQueue<UpstreamAttempt> Attempts { get; } = new();

    public ConcurrentDictionary<long, List<UpstreamAttempt>> AttemptsById { get; } = new();

    /// <summary>When each config generation was first seen on an upstream request.</summary>
    public ConcurrentDictionary<int, DateTimeOffset> GenerationFirstSeen { get; } = new();

    /// <summary>When each config generation was first seen on an upstream request through each replica.</summary>
    public ConcurrentDictionary<(int Generation, int Replica), DateTimeOffset> GenerationSeenBy { get; } = new();

    /// <summary>Tells which replica a token request came from, by its remote (loopback) port.</summary>
    public Func<int, int?>? ReplicaOfPort { get; set; }

    /// <summary>Credentials that reached an upstream they do not belong to (or inbound credentials forwarded).</summary>
    public ConcurrentQueue<string> CrossCredentials { get; } = new();

    /// <summary>Requests to paths of a token emulator that are not token endpoints (should never happen).</summary>
    public ConcurrentQueue<string> StrayTokenEmulatorRequests { get; } = new();

    /// <summary>Most token requests in flight at once, per token endpoint path.</summary>
    public IReadOnlyDictionary<string, int> MaxInflight => _maxInflight;

    /// <summary>The sandbox hook: called for every request of every emulator, before routing.</summary>
    public void OnRequest(string emulator, HttpContext context)
    {
        var now = DateTimeOffset.UtcNow;
        var path = context.Request.Path.Value ?? "";
        var tokenProvider = emulator is "iam" or "cloudpak" or "sklm" ? SoakTopology.ProviderForTokenPath(emulator, path) : null;
        if (tokenProvider is not null)
        {
            OnTokenCall(context, tokenProvider, path, now);
            return;
        }

        if (emulator == "iam")
        {
            StrayTokenEmulatorRequests.Enqueue($"{context.Request.Method} {path}");
            return;
        }

        OnUpstream(emulator, context, now);
    }

    /// <summary>The <see cref="TokenCall"/> of a token request, for the fault injector.</summary>
    public static TokenCall? CallOf(HttpContext context) => context.Items.TryGetValue(CallKey, out var call) ? call as TokenCall : null;

    private void OnTokenCall(HttpContext context, ProviderSpec provider, string path, DateTimeOffset now)
    {
        var call = new TokenCall(provider, path, now) { Replica = ReplicaOfPort?.Invoke(context.Connection.RemotePort) };
        context.Items[CallKey] = call;
        TokenCalls.Enqueue(call);
        var inflight = _inflight.AddOrUpdate(path, 1, static (_, n) => n + 1);
        _maxInflight.AddOrUpdate(path, inflight, (_, max) => Math.Max(max, inflight));
        context.Response.OnCompleted(() =>
        {
            call.End = DateTimeOffset.UtcNow;
            call.Status = context.Response.StatusCode;
            _inflight.AddOrUpdate(path, 0, static (_, n) => n - 1);
            return Task.CompletedTask;
        });
    }

    private void OnUpstream(string emulator, HttpContext context, DateTimeOffset now)
    {
        var headers = context.Request.Headers;
        long? id = long.TryParse(headers[SoakIdHeader].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        int? generation = int.TryParse(headers[SoakConfig.GenerationHeader].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : null;
        int? replica = int.TryParse(headers[ReplicaHeader].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : null;
        var (credential, token) = Classify(headers.Authorization.ToString());
        var (state, remaining) = StateOf(token, credential, now);
        var inboundForwarded = headers.ContainsKey("X-API-Key");
        var attempt = new UpstreamAttempt
        {
            Emulator = emulator,
            RawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "",
            Time = now,
            SoakId = id,
            Credential = credential,
            Token = token,
            State = state,
            Remaining = remaining,
            Generation = generation,
            Replica = replica,
            InboundCredentialForwarded = inboundForwarded,
        };
        Attempts.Enqueue(attempt);
        if (id is { } soakId)
        {
            var list = AttemptsById.GetOrAdd(soakId, static _ => []);
            lock (list)
            {
                list.Add(attempt);
            }
        }

        if (generation is { } gen)
        {
            GenerationFirstSeen.TryAdd(gen, now);
            GenerationSeenBy.TryAdd((gen, replica ?? 0), now);
        }

        var allowed = Expected.TryGetValue(emulator, out var kinds) ? kinds : [];
        if (credential is not ("none" or "unknown") && !allowed.Contains(credential))
        {
            CrossCredentials.Enqueue($"{emulator} received a {credential} credential on {attempt.RawTarget} (soak id {id?.ToString(CultureInfo.InvariantCulture) ?? "none"})");
        }

        if (inboundForwarded || credential == "basic")
        {
            CrossCredentials.Enqueue($"{emulator} received the client's inbound credential ({(inboundForwarded ? "X-API-Key" : "Basic")}) on {attempt.RawTarget}");
        }

        context.Response.OnCompleted(() =>
        {
            attempt.Status = context.Response.StatusCode;
            return Task.CompletedTask;
        });
    }

    private (string Kind, IssuedToken? Token) Classify(string header)
    {
        if (header.Length == 0)
        {
            return ("none", null);
        }

        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return _tokens.TryGet(header[7..].Trim(), out var token) ? (token.Issuer, token) : ("unknown", null);
        }

        const string sklm = "SKLMAuth userAuthId=";
        if (header.StartsWith(sklm, StringComparison.Ordinal))
        {
            return _tokens.TryGet(header[sklm.Length..], out var token) ? (token.Issuer, token) : ("unknown", null);
        }

        if (header.StartsWith("ZenApiKey ", StringComparison.OrdinalIgnoreCase))
        {
            return ("zen", null);
        }

        return header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) ? ("basic", null) : ("unknown", null);
    }

    private (TokenState State, TimeSpan? Remaining) StateOf(IssuedToken? token, string credential, DateTimeOffset now)
    {
        if (token is null)
        {
            return credential switch
            {
                "none" => (TokenState.None, null),
                "zen" => (TokenState.NotExpiring, null),
                _ => (TokenState.Unknown, null),
            };
        }

        if (token.IsRevoked)
        {
            return (TokenState.Revoked, token.ExpiresAt - now);
        }

        if (token.ExpiresAt is { } expiresAt)
        {
            var left = expiresAt - now;
            return left <= TimeSpan.Zero ? (TokenState.Expired, left)
                : left < _tokens.NearExpiryWindow ? (TokenState.NearExpiry, left)
                : (TokenState.Ok, left);
        }

        return token.IdleTimeout is { } idle && now - token.LastUsed >= idle ? (TokenState.IdleDead, null) : (TokenState.Ok, null);
    }
}
