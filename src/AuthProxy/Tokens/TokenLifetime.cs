using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace AuthProxy.Tokens;

/// <summary>
/// Works out when a token expires (docs/tokens.md): the reply's <c>expiration</c> / <c>expires_in</c>,
/// else the JWT <c>exp</c> (and <c>iat</c>) read without a signature check, else the configured lifetime.
/// </summary>
internal static class TokenLifetime
{
    /// <summary>Builds the cached token from a reply's lifetime fields.</summary>
    /// <param name="headerValue">The full header value to send upstream.</param>
    /// <param name="rawToken">The token itself, inspected for JWT claims when the reply has no lifetime.</param>
    /// <param name="expiresIn">Seconds of validity from now, if the reply said.</param>
    /// <param name="expiration">Absolute expiry in Unix seconds, if the reply said.</param>
    /// <param name="options">The provider's options (lifetime default, refresh fraction, window).</param>
    /// <param name="now">The current time.</param>
    public static AccessToken Create(string headerValue, string? rawToken, long? expiresIn, long? expiration,
        TokenProviderOptions options, DateTimeOffset now)
    {
        DateTimeOffset expiresAt;
        DateTimeOffset issuedAt = now;
        if (expiration is > 0)
        {
            expiresAt = DateTimeOffset.FromUnixTimeSeconds(expiration.Value);
            if (expiresIn is > 0)
            {
                issuedAt = expiresAt - TimeSpan.FromSeconds(expiresIn.Value);
            }
        }
        else if (expiresIn is > 0)
        {
            expiresAt = now + TimeSpan.FromSeconds(expiresIn.Value);
        }
        else if (rawToken is not null && TryReadJwtTimes(rawToken, out var exp, out var iat))
        {
            expiresAt = exp;
            if (iat is { } issued)
            {
                issuedAt = issued;
            }
        }
        else
        {
            expiresAt = now + options.Lifetime;
        }

        return AccessToken.Create(headerValue, now, issuedAt, expiresAt, options.RefreshAfter, options.ExpiryWindow);
    }

    /// <summary>Reads <c>exp</c> and <c>iat</c> from a JWT's payload. No signature check: we only need the times.</summary>
    public static bool TryReadJwtTimes(string token, out DateTimeOffset expiresAt, out DateTimeOffset? issuedAt)
    {
        expiresAt = default;
        issuedAt = null;
        var first = token.IndexOf('.', StringComparison.Ordinal);
        var second = first < 0 ? -1 : token.IndexOf('.', first + 1);
        if (second < 0)
        {
            return false;
        }

        var payload = token.AsSpan(first + 1, second - first - 1);
        if (payload.Length == 0 || payload.Length > 64 * 1024)
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(payload.Length));
        try
        {
            if (Base64Url.DecodeFromChars(payload, buffer, out _, out var written) != OperationStatus.Done)
            {
                return false;
            }

            var reader = new Utf8JsonReader(buffer.AsSpan(0, written));
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !TryGetUnixSeconds(doc.RootElement, "exp", out var exp))
            {
                return false;
            }

            expiresAt = DateTimeOffset.FromUnixTimeSeconds(exp);
            if (TryGetUnixSeconds(doc.RootElement, "iat", out var iat))
            {
                issuedAt = DateTimeOffset.FromUnixTimeSeconds(iat);
            }

            return true;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentOutOfRangeException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool TryGetUnixSeconds(JsonElement obj, string name, out long seconds)
    {
        seconds = 0;
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        if (value.TryGetInt64(out seconds))
        {
            return seconds > 0;
        }

        if (value.TryGetDouble(out var d) && d > 0 && d < long.MaxValue)
        {
            seconds = (long)d;
            return true;
        }

        return false;
    }
}
