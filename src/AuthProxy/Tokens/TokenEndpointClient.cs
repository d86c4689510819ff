using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace AuthProxy.Tokens;

/// <summary>
/// Sends token requests for one provider and turns every kind of bad reply (error status, HTML page,
/// malformed or oversized JSON, missing field) into a <see cref="TokenFailure"/> whose reason names the
/// cause but never echoes a secret. Owns the provider's TLS settings.
/// </summary>
internal sealed class TokenEndpointClient : IDisposable
{
    /// <summary>Replies larger than this are refused: a token reply is a few KiB at most.</summary>
    internal const int MaxReplyBytes = 1024 * 1024;

    private readonly HttpMessageInvoker _http;
    private readonly TimeProvider _time;

    public TokenEndpointClient(TokenProviderOptions options, TimeProvider time)
    {
        _time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = options.Timeout,
        };

        if (options.AcceptAnyServerCertificate)
        {
            // Opt-in only (AcceptAnyServerCertificate), logged as a warning at start-up: Cloud Pak clusters often self-sign.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (!string.IsNullOrEmpty(options.CaCertificateFile))
        {
            var extraRoots = new X509Certificate2Collection();
            extraRoots.ImportFromPemFile(options.CaCertificateFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                ValidateWithExtraRoots(certificate, errors, extraRoots);
        }

        _http = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>Sends <paramref name="request"/> and reads a JSON reply of type <typeparamref name="T"/>.</summary>
    /// <param name="request">The token request; disposed here.</param>
    /// <param name="typeInfo">Source-generated metadata of the reply type.</param>
    /// <param name="secrets">Secrets of this request, scrubbed from any text taken from the reply.</param>
    /// <param name="cancellationToken">Fires on timeout or shutdown.</param>
    public async Task<(T? Reply, TokenFailure? Failure)> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> typeInfo,
        IReadOnlyList<string> secrets, CancellationToken cancellationToken)
        where T : class
    {
        using var _ = request;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return (null, Failed($"the token endpoint could not be reached ({Describe(ex)})"));
        }

        using (response)
        {
            byte[] body;
            try
            {
                body = await ReadLimitedAsync(response.Content, cancellationToken);
            }
            catch (ReplyTooLargeException)
            {
                return (null, Failed($"the token endpoint's reply ({(int)response.StatusCode}) is larger than {MaxReplyBytes / 1024} KiB"));
            }
            catch (HttpRequestException ex)
            {
                return (null, Failed($"the token endpoint's reply could not be read ({Describe(ex)})"));
            }
            catch (IOException ex)
            {
                return (null, Failed($"the token endpoint's reply could not be read ({ex.GetType().Name})"));
            }

            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var detail = ExtractErrorDetail(body, secrets);
                var phrase = SecretScrubber.Scrub(response.ReasonPhrase, secrets);
                var reason = $"the token endpoint answered {status}{(phrase.Length == 0 ? "" : " " + phrase)}{(detail is null ? "" : $" ({detail})")}";
                TimeSpan? retryAfter = status is 429 or 503 ? ReadRetryAfter(response, _time.GetUtcNow()) : null;
                return (null, Failed(reason, retryAfter));
            }

            if (!LooksLikeJson(response, body))
            {
                var mediaType = SecretScrubber.Scrub(response.Content.Headers.ContentType?.MediaType ?? "no content type", secrets);
                return (null, Failed($"the token endpoint answered {status} with a non-JSON reply ({mediaType})"));
            }

            try
            {
                var reply = JsonSerializer.Deserialize(body, typeInfo);
                return reply is null
                    ? (null, Failed($"the token endpoint answered {status} with an empty JSON reply"))
                    : (reply, null);
            }
            catch (JsonException)
            {
                return (null, Failed($"the token endpoint answered {status} with malformed JSON"));
            }
        }
    }

    /// <summary>A failure for a reply that parsed but lacks the credential field.</summary>
    public static TokenFailure MissingField(string field) =>
        Failed($"the token endpoint's reply has no '{field}' field");

    /// <summary>A failure for a reply that parsed but has neither of the fields that may carry the credential.</summary>
    public static TokenFailure MissingField(string field, string alternative) =>
        Failed($"the token endpoint's reply has neither a '{field}' nor an '{alternative}' field");

    /// <summary>
    /// A JSON request body labelled exactly <c>application/json</c> (some IBM endpoints refuse a charset parameter),
    /// serialized with source-generated metadata so no reflection touches the credentials.
    /// </summary>
    public static HttpContent JsonContent<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public void Dispose() => _http.Dispose();

    private static TokenFailure Failed(string reason, TimeSpan? retryAfter = null) =>
        new(TokenFailureKind.Failed, reason, retryAfter);

    private static string Describe(HttpRequestException ex) => ex.HttpRequestError switch
    {
        // The usual cause is a private CA (Cloud Pak, SKLM): say what to do about it.
        HttpRequestError.SecureConnectionError =>
            "TLS connection failed: the server certificate is not trusted or the handshake failed; set CaCertificateFile to trust its CA",
        HttpRequestError.Unknown => ex.GetType().Name,
        var error => error.ToString(),
    };

    private static bool LooksLikeJson(HttpResponseMessage response, byte[] body)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not null && mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // Some IdPs omit or misstate the content type; accept a body that starts like a JSON object.
        foreach (var b in body)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF)
            {
                continue;
            }

            return b == (byte)'{';
        }

        return false;
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxReplyBytes)
        {
            throw new ReplyTooLargeException();
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxReplyBytes)
            {
                throw new ReplyTooLargeException();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Pulls an error code and message out of the error shapes IBM endpoints use: IAM
    /// (<c>errorCode</c>/<c>errorMessage</c>), SKLM (<c>code</c>/<c>message</c>), Cloud Pak
    /// (<c>_messageCode_</c>/<c>message</c>) and OAuth (<c>error</c>/<c>error_description</c>).
    /// </summary>
    internal static string? ExtractErrorDetail(byte[] body, IReadOnlyList<string> secrets)
    {
        string? code = null;
        string? message = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String)
                    {
                        continue;
                    }

                    var name = property.Name;
                    if (code is null && (name.Equals("errorCode", StringComparison.OrdinalIgnoreCase) ||
                                         name.Equals("code", StringComparison.OrdinalIgnoreCase) ||
                                         name.Equals("_messageCode_", StringComparison.OrdinalIgnoreCase) ||
                                         name.Equals("error", StringComparison.OrdinalIgnoreCase)))
                    {
                        code = property.Value.GetString();
                    }
                    else if (message is null && (name.Equals("errorMessage", StringComparison.OrdinalIgnoreCase) ||
                                                 name.Equals("message", StringComparison.OrdinalIgnoreCase) ||
                                                 name.Equals("error_description", StringComparison.OrdinalIgnoreCase)))
                    {
                        message = property.Value.GetString();
                    }
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        var text = (code, message) switch
        {
            (null, null) => null,
            (not null, null) => code,
            (null, not null) => message,
            _ => $"{code}: {message}",
        };
        return text is null ? null : SecretScrubber.Scrub(text, secrets);
    }

    private static TimeSpan? ReadRetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>A server certificate is trusted by the system or chains to one of <paramref name="extraRoots"/> (and matches the host name).</summary>
    internal static bool ValidateWithExtraRoots(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection extraRoots)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false; // name mismatch or no certificate: an extra CA does not excuse those
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(extraRoots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private sealed class ReplyTooLargeException : Exception
    {
    }
}
