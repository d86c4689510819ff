using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace AuthProxy.Soak;

/// <summary>One probe of the barrage and whether the proxy behaved.</summary>
internal sealed record BarrageCase(string Group, string Name, string Expected, string Actual, bool Passed);

/// <summary>
/// The bad-input phase, run after the load with faults off: malformed HTTP over a raw socket, invalid inbound
/// credentials, path tricks that try to carry one route's credential to another upstream, and config files with wrong
/// types, huge values, duplicated keys, BOMs and comments. After every probe the proxy must still serve.
/// </summary>
internal sealed class BadInputBarrage(string proxyUrl, SoakConfig config, ConfigFileLayout file, Observatory observatory, ChaosSchedule schedule)
{
    private readonly int _port = new Uri(proxyUrl).Port;
    private readonly List<BarrageCase> _cases = [];
    private long _nextId = 10_000_000_000;

    public async Task<IReadOnlyList<BarrageCase>> RunAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(proxyUrl), Timeout = TimeSpan.FromSeconds(10) };
        await MalformedHttpAsync(cancellationToken);
        await InboundCredentialsAsync();
        await PathTricksAsync();
        await ConfigFilesAsync(http, cancellationToken);
        return _cases;
    }

    private async Task MalformedHttpAsync(CancellationToken cancellationToken)
    {
        const string group = "malformed HTTP";
        var key = config.ClientKey;
        await ExpectStatusAsync(group, "garbage request line", RawHttp.Ascii("THIS IS NOT HTTP AT ALL\r\n\r\n"), [400]);
        await ExpectStatusAsync(group, "request line over 8 KiB", RawHttp.Ascii($"GET /kms/{new string('a', 10_000)} HTTP/1.1\r\nHost: x\r\n\r\n"), [414]);
        await ExpectStatusAsync(group, "one 40 KiB header", RawHttp.Ascii($"GET /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nX-Big: {new string('b', 40_000)}\r\n\r\n"), [431]);
        var many = string.Concat(Enumerable.Range(0, 120).Select(i => $"X-Filler-{i}: {new string('c', 300)}\r\n"));
        await ExpectStatusAsync(group, "headers over 32 KiB in total", RawHttp.Ascii($"GET /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\n{many}\r\n"), [431]);
        await ExpectStatusAsync(group, "header line without a colon", RawHttp.Ascii($"GET /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nNoColonHere\r\n\r\n"), [400]);
        await ExpectStatusAsync(group, "NUL byte in a header value", RawHttp.Ascii($"GET /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nX-Test: a\0b\r\n\r\n"), [400]);

        await ExpectNotForwardedAsync(group, "invalid chunk size", id => RawHttp.Ascii(
            $"POST /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nx-soak-id: {id}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n"), [400]);
        await ExpectNotForwardedAsync(group, "chunk size overflowing 64 bits", id => RawHttp.Ascii(
            $"POST /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nx-soak-id: {id}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFF\r\n{{}}\r\n0\r\n\r\n"), [400]);
        await ExpectNotForwardedAsync(group, "chunked body cut off mid-chunk", id => RawHttp.Ascii(
            $"POST /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nx-soak-id: {id}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{{\"resources\":[{{\"na"), [0, 400], shutdownSend: true);
        await ExpectNotForwardedAsync(group, "Content-Length shorter than the body sent, then closed", id => RawHttp.Ascii(
            $"POST /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nx-soak-id: {id}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"resources\":"), [0, 400], shutdownSend: true);

        // Request smuggling: with both headers the body is chunked; whatever hides behind it must not become a request.
        var smuggledId = Interlocked.Increment(ref _nextId);
        var smuggle = $"GET /sklm/SKLM/rest/v1/objects HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nx-soak-id: {smuggledId}\r\n\r\n";
        var outerId = Interlocked.Increment(ref _nextId);
        var reply = await RawHttp.SendAsync(_port, RawHttp.Ascii(
            $"POST /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nx-soak-id: {outerId}\r\nContent-Type: application/json\r\n" +
            $"Content-Length: {smuggle.Length + 5}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n{smuggle}"));
        await Task.Delay(300, cancellationToken);
        var smuggled = observatory.AttemptsById.ContainsKey(smuggledId);
        Add(group, "Content-Length and Transfer-Encoding together (smuggling)", "no second request reaches an upstream; answer below 500",
            $"status {reply.Status}; smuggled request {(smuggled ? "REACHED an upstream" : "did not reach an upstream")}",
            !smuggled && reply.Status < 500);

        // Slowloris-style: connections that send half a request head and go away.
        var sockets = new List<Task>();
        for (var i = 0; i < 20; i++)
        {
            sockets.Add(RawHttp.SendAsync(_port, RawHttp.Ascii("GET /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nX-Partial: "), shutdownSend: true, TimeSpan.FromSeconds(2)));
        }

        await Task.WhenAll(sockets);
        await ExpectHealthyAsync(group, "20 half-sent request heads abandoned");
    }

    private async Task InboundCredentialsAsync()
    {
        const string group = "inbound credentials";
        var key = config.ClientKey;
        string Basic(string user, string secret) => "Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{secret}"));
        (string Name, string Headers, int Expected)[] probes =
        [
            ("no credential", "", 401),
            ("unknown X-API-Key", "X-API-Key: not-the-key", 401),
            ("empty X-API-Key", "X-API-Key: ", 401),
            ("10 KiB X-API-Key", "X-API-Key: " + new string('k', 10_240), 401),
            ("key in another case", "X-API-Key: " + key.ToUpperInvariant(), 401),
            ("key missing its last character", "X-API-Key: " + key[..^1], 401),
            ("two X-API-Key headers, one right", $"X-API-Key: {key}\r\nX-API-Key: wrong", 401),
            ("Basic with invalid base64", "Authorization: Basic !!!not-base64!!!", 401),
            ("Basic without a colon", "Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(SoakConfig.ClientName)), 401),
            ("Basic with the wrong key", Basic(SoakConfig.ClientName, "wrong"), 401),
            ("Basic with another client's name", Basic(SoakConfig.OtherClientName, key), 401),
            ("Basic with the right client and key", Basic(SoakConfig.ClientName, key), 200),
            ("X-API-Key, lower-case header name", "x-api-key: " + key, 200),
            ("valid key plus the client's own Bearer (must not be forwarded)", $"X-API-Key: {key}\r\nAuthorization: Bearer client-own-token", 200),
        ];
        foreach (var (name, headers, expected) in probes)
        {
            await ProbeAsync(group, name, "/kms/api/v2/keys?limit=1", headers, expected, expectForwarded: expected == 200,
                expectedCredential: expected == 200 ? "iam" : null);
        }

        await ProbeAsync(group, "known client outside the route's policy", "/sklm/SKLM/rest/v1/objects", "X-API-Key: " + config.OtherClientKey, 403,
            expectForwarded: false, expectedCredential: null);
    }

    private async Task PathTricksAsync()
    {
        const string group = "path tricks";
        string[] targets =
        [
            "/kms/../sklm/SKLM/rest/v1/objects",
            "/kms/%2e%2e/sklm/SKLM/rest/v1/objects",
            "/kms/%2E%2E/sklm/SKLM/rest/v1/objects",
            "/kms/..%2fsklm/SKLM/rest/v1/objects",
            "/kms/..%2Fsklm/SKLM/rest/v1/objects",
            "/kms/%2F..%2F..%2Fsklm/SKLM/rest/v1/objects",
            "/kms%2F..%2Fsklm/SKLM/rest/v1/objects",
            "/kms/%252e%252e/sklm/SKLM/rest/v1/objects",
            "/kms/..%5csklm/SKLM/rest/v1/objects",
            "/kms\\..\\sklm/SKLM/rest/v1/objects",
            "/kms/api/v2/keys/..%2F..%2F..%2F..%2FSKLM%2Frest%2Fv1%2Fobjects",
            "/sklm/../kms/api/v2/keys",
            "/sklm/%2e%2e/kms/api/v2/keys",
            "/sklm/..%2fkms/api/v2/keys",
            "/sklm-oidc/..%2F..%2Fwatsonx/ml/v4/deployments?version=2024-05-01",
            "/watsonx-zen/..%2F..%2Fkms/api/v2/keys",
            "//kms/api/v2/keys",
            "/KMS/api/v2/keys",
        ];
        foreach (var target in targets)
        {
            var id = Interlocked.Increment(ref _nextId);
            var reply = await RawHttp.SendAsync(_port, RawHttp.Ascii(
                $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {config.ClientKey}\r\nx-soak-id: {id}\r\nConnection: close\r\n\r\n"));
            await Task.Delay(50);
            var landed = Landing(id);
            var wrong = landed.Where(a => !CredentialFits(a)).ToList();
            Add(group, target, "the upstream reached gets only its own route's credential; answer below 500",
                $"status {reply.Status}; {(landed.Count == 0 ? "reached no upstream" : string.Join(", ", landed.Select(a => $"{a.Emulator} {a.RawTarget} with {a.Credential}")))}",
                wrong.Count == 0 && reply.Status is > 0 and < 500);
        }

        // An absolute-form request target naming an emulator directly must not turn the proxy into an open forward proxy.
        var absoluteId = Interlocked.Increment(ref _nextId);
        var absolute = await RawHttp.SendAsync(_port, RawHttp.Ascii(
            $"GET http://127.0.0.1:{_port}/sklm/../kms/api/v2/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {config.ClientKey}\r\nx-soak-id: {absoluteId}\r\nConnection: close\r\n\r\n"));
        await Task.Delay(50);
        var absoluteLanded = Landing(absoluteId);
        Add(group, "absolute-form target with dot segments", "only a matching route's own upstream and credential",
            $"status {absolute.Status}; {(absoluteLanded.Count == 0 ? "reached no upstream" : string.Join(", ", absoluteLanded.Select(a => $"{a.Emulator} {a.RawTarget} with {a.Credential}")))}",
            absoluteLanded.All(CredentialFits) && absolute.Status is > 0 and < 500);
    }

    private async Task ConfigFilesAsync(HttpClient http, CancellationToken cancellationToken)
    {
        const string group = "config files";
        var generation = schedule.Generation;
        var baseline = SoakConfig.Serialize(config.Build(generation));
        string Text() => Encoding.UTF8.GetString(baseline);
        JsonObject Fresh() => config.Build(generation);

        var bomComments = "\uFEFF// soak: a comment at the top\n/* and a block comment */\n" +
            Text().Replace("\"TokenProviders\": {", "\"TokenProviders\": { // providers\n", StringComparison.Ordinal)
                  .Replace("\"ReverseProxy\": {", "\"ReverseProxy\": {\n /* routes below */", StringComparison.Ordinal);
        bomComments = bomComments.Insert(bomComments.LastIndexOf('}'), ",");
        await ConfigCaseAsync(http, group, "UTF-8 BOM, comments and a trailing comma", Encoding.UTF8.GetBytes(bomComments), null, cancellationToken);

        var duplicate = Text().Replace("\"TokenProviders\": {", "\"TokenProviders\": {\n    \"kp\": { \"Type\": \"IamApiKey\", \"ApiKey\": \"other\" },", StringComparison.Ordinal);
        await ConfigCaseAsync(http, group, "duplicated provider key", Encoding.UTF8.GetBytes(duplicate), "duplicate", cancellationToken);

        await ConfigCaseAsync(http, group, "provider given as an array", Mutate(Fresh(), c => c["TokenProviders"]!["kp"] = new JsonArray("IamApiKey")), "TokenProviders:kp", cancellationToken);
        await ConfigCaseAsync(http, group, "provider given as a string", Mutate(Fresh(), c => c["TokenProviders"]!["kp"] = "IamApiKey"), "TokenProviders:kp", cancellationToken);
        await ConfigCaseAsync(http, group, "provider given as null", Mutate(Fresh(), c => c["TokenProviders"]!["kp"] = null), "'kp'", cancellationToken);
        await ConfigCaseAsync(http, group, "boolean where a duration belongs", Mutate(Fresh(), c => c["TokenProviders"]!["kp"]!["Timeout"] = true), "TokenProviders:kp:Timeout", cancellationToken);
        var huge = Encoding.UTF8.GetString(Mutate(Fresh(), c => c["TokenProviders"]!["kp"]!["RefreshAfter"] = "__HUGE__"))
            .Replace("\"__HUGE__\"", "1e400", StringComparison.Ordinal);
        await ConfigCaseAsync(http, group, "RefreshAfter 1e400", Encoding.UTF8.GetBytes(huge), "TokenProviders:kp:RefreshAfter", cancellationToken);
        await ConfigCaseAsync(http, group, "Timeout of TimeSpan.MaxValue", Mutate(Fresh(), c => c["TokenProviders"]!["kp"]!["Timeout"] = TimeSpan.MaxValue.ToString("c", CultureInfo.InvariantCulture)),
            "TokenProviders:kp:Timeout", cancellationToken);
        await ConfigCaseAsync(http, group, "RetryBodyLimit overflowing 64 bits", Mutate(Fresh(), c => RouteTransforms(c, "kms")[1]!["RetryBodyLimit"] = "99999999999999999999999"),
            "RetryBodyLimit", cancellationToken);
        await ConfigCaseAsync(http, group, "negative RetryBodyLimit", Mutate(Fresh(), c => RouteTransforms(c, "kms")[1]!["RetryBodyLimit"] = "-1"), "RetryBodyLimit", cancellationToken);
        await ConfigCaseAsync(http, group, "number where a string is expected (RetryBodyLimit: 65536)", Mutate(Fresh(), c => RouteTransforms(c, "kms")[1]!["RetryBodyLimit"] = 65536),
            null, cancellationToken);
        await ConfigCaseAsync(http, group, "1 MiB value in route metadata", Mutate(Fresh(), c => c["ReverseProxy"]!["Routes"]!["kms"]!["Metadata"] = new JsonObject { ["note"] = new string('m', 1 << 20) }),
            null, cancellationToken);
        await ConfigCaseAsync(http, group, "file over 4 MiB", Mutate(Fresh(), c => c["ReverseProxy"]!["Routes"]!["kms"]!["Metadata"] = new JsonObject { ["note"] = new string('m', 5 << 20) }),
            "larger than", cancellationToken);
        var deep = new StringBuilder().Append('[', 1000).Append(']', 1000).ToString();
        await ConfigCaseAsync(http, group, "arrays nested 1000 deep", Encoding.UTF8.GetBytes(Text().Insert(Text().IndexOf('{') + 1, $"\"Deep\": {deep},")), "not valid JSON", cancellationToken);
        await ConfigCaseAsync(http, group, "empty file", [], "", cancellationToken);
        await ConfigCaseAsync(http, group, "top-level array", Encoding.UTF8.GetBytes("[1, 2, 3]"), "", cancellationToken);
        await ConfigCaseAsync(http, group, "UTF-16 with a BOM", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Text())).ToArray(), Either, cancellationToken);
        var badUtf8 = Encoding.UTF8.GetBytes(Text().Replace("\"Set\": \"" + generation.ToString(CultureInfo.InvariantCulture) + "\"", "\"Set\": \"\u0001\"", StringComparison.Ordinal));
        var marker = Array.IndexOf(badUtf8, (byte)1);
        if (marker >= 0)
        {
            badUtf8[marker] = 0xFF;
        }

        await ConfigCaseAsync(http, group, "invalid UTF-8 inside a string", badUtf8, "", cancellationToken);
        await ConfigCaseAsync(http, group, "the soak config restored", baseline, null, cancellationToken);
    }

    /// <summary>Expected outcome of a case where applying and rejecting with a clear message are both right.</summary>
    private const string Either = "\u0000either";

    private static byte[] Mutate(JsonObject config, Action<JsonObject> change)
    {
        change(config);
        return SoakConfig.Serialize(config);
    }

    private static JsonArray RouteTransforms(JsonObject config, string route) => (JsonArray)config["ReverseProxy"]!["Routes"]![route]!["Transforms"]!;

    /// <summary>
    /// Writes a config (atomic rename) and waits until the status endpoint shows it applied (<paramref name="expectedError"/>
    /// null) or rejected with an error containing <paramref name="expectedError"/> (empty: any error). Then the proxy must
    /// still serve: /readyz 200 and a request on an IAM and an SKLM route answered 200.
    /// </summary>
    private async Task ConfigCaseAsync(HttpClient http, string group, string name, byte[] content, string? expectedError, CancellationToken cancellationToken)
    {
        var before = await schedule.ReadStatusAsync(http, cancellationToken);
        file.Write(content, WriteMode.AtomicRename);
        var deadline = DateTimeOffset.UtcNow + SoakTimes.ReloadDeadline + TimeSpan.FromSeconds(1);
        ProxyStatus? status = null;
        var outcome = "no visible reaction";
        var matched = false;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(200, cancellationToken);
            status = await schedule.ReadStatusAsync(http, cancellationToken);
            if (status is null)
            {
                continue;
            }

            if (status.LastReloadError is null && status.LoadedAt != before?.LoadedAt)
            {
                outcome = "applied";
                matched = expectedError is null or Either;
                break;
            }

            if (status.LastReloadError is { } error && error != before?.LastReloadError)
            {
                outcome = "rejected: " + Shorten(error);
                matched = expectedError is Either || (expectedError is not null && error.Contains(expectedError, StringComparison.OrdinalIgnoreCase));
                break;
            }
        }

        var serving = await StillServingAsync(http, cancellationToken);
        var expected = expectedError switch
        {
            null => "applied",
            Either => "applied, or rejected with a message",
            "" => "rejected",
            _ => $"rejected naming '{expectedError}'",
        };
        Add(group, name, expected + "; still serving", outcome + (serving is null ? "; still serving" : "; " + serving), matched && serving is null);
    }

    private static string Shorten(string text) => text.Length > 160 ? text[..160] + "…" : text;

    private async Task<string?> StillServingAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var ready = await http.GetAsync("/readyz", cancellationToken);
        if (ready.StatusCode != HttpStatusCode.OK)
        {
            return $"/readyz answered {(int)ready.StatusCode}";
        }

        foreach (var path in new[] { "/kms/api/v2/keys?limit=1", "/sklm/SKLM/rest/v1/objects" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-API-Key", config.ClientKey);
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return $"{path} answered {(int)response.StatusCode}";
            }
        }

        return null;
    }

    private async Task ExpectStatusAsync(string group, string name, byte[] request, int[] expected)
    {
        var reply = await RawHttp.SendAsync(_port, request);
        var healthy = await HealthyAsync();
        Add(group, name, $"{string.Join(" or ", expected)}; proxy healthy after", $"{(reply.Status == 0 ? "closed without an answer" : reply.Status.ToString(CultureInfo.InvariantCulture))}; {(healthy ? "healthy" : "NOT healthy")}",
            expected.Contains(reply.Status) && healthy);
    }

    private async Task ExpectNotForwardedAsync(string group, string name, Func<long, byte[]> request, int[] expected, bool shutdownSend = false)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = await RawHttp.SendAsync(_port, request(id), shutdownSend);
        await Task.Delay(300);
        var forwarded = observatory.AttemptsById.ContainsKey(id);
        var healthy = await HealthyAsync();
        var statusText = reply.Status == 0 ? "closed without an answer" : reply.Status.ToString(CultureInfo.InvariantCulture);
        Add(group, name, $"{string.Join(" or ", expected.Select(e => e == 0 ? "closed" : e.ToString(CultureInfo.InvariantCulture)))}; nothing forwarded; healthy",
            $"{statusText}; {(forwarded ? "FORWARDED to an upstream" : "not forwarded")}; {(healthy ? "healthy" : "NOT healthy")}",
            expected.Contains(reply.Status) && !forwarded && healthy);
    }

    private async Task ExpectHealthyAsync(string group, string name)
    {
        var healthy = await HealthyAsync();
        Add(group, name, "proxy healthy", healthy ? "healthy" : "NOT healthy", healthy);
    }

    private async Task ProbeAsync(string group, string name, string path, string headers, int expected, bool expectForwarded, string? expectedCredential)
    {
        var id = Interlocked.Increment(ref _nextId);
        var extra = headers.Length == 0 ? "" : headers + "\r\n";
        var reply = await RawHttp.SendAsync(_port, RawHttp.Ascii(
            $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}x-soak-id: {id}\r\nConnection: close\r\n\r\n"));
        await Task.Delay(50);
        var landed = Landing(id);
        var credentialOk = expectedCredential is null || landed.All(a => a.Credential == expectedCredential);
        var forwardedOk = expectForwarded ? landed.Count > 0 : landed.Count == 0;
        Add(group, name, $"{expected}; {(expectForwarded ? $"forwarded with the {expectedCredential} credential only" : "nothing forwarded")}",
            $"{reply.Status}; {(landed.Count == 0 ? "not forwarded" : string.Join(", ", landed.Select(a => $"{a.Emulator} got {a.Credential}")))}",
            reply.Status == expected && forwardedOk && credentialOk);
    }

    private List<UpstreamAttempt> Landing(long id)
    {
        if (!observatory.AttemptsById.TryGetValue(id, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }

    private static bool CredentialFits(UpstreamAttempt attempt) => attempt.Emulator switch
    {
        "keyprotect" => attempt.Credential is "iam" or "none" or "unknown",
        "cloudpak" => attempt.Credential is "cpd" or "zen" or "none" or "unknown",
        "sklm" => attempt.Credential is "sklm" or "none" or "unknown",
        _ => false,
    } && !attempt.InboundCredentialForwarded;

    private async Task<bool> HealthyAsync()
    {
        var reply = await RawHttp.SendAsync(_port, RawHttp.Ascii("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        return reply.Status == 200;
    }

    private void Add(string group, string name, string expected, string actual, bool passed) =>
        _cases.Add(new BarrageCase(group, name, expected, actual, passed));
}
