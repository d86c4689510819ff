using System.Security.Cryptography;
using System.Text;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Parsing and hashing of the credentials a client presents. Works on spans so the hot path allocates
/// nothing for the key, and wipes the stack copies of a presented key once hashed.
/// </summary>
internal static class InboundCredentials
{
    /// <summary>SHA-256 digest length in bytes.</summary>
    public const int DigestLength = 32;

    /// <summary>Longest key accepted, in UTF-8 bytes; longer credentials are refused without being hashed.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>Longest <c>base64(client:key)</c> payload accepted.</summary>
    public const int MaxBasicPayloadChars = (MaxKeyBytes + 256) / 3 * 4;

    private const string BasicPrefix = "Basic ";
    private const string BearerPrefix = "Bearer ";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>SHA-256 of a configured key (UTF-8), as stored in <see cref="InboundClient.KeyDigest"/>.</summary>
    public static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Hashes a presented key. False when it is empty or longer than <see cref="MaxKeyBytes"/>.</summary>
    public static bool TryDigest(ReadOnlySpan<char> key, Span<byte> digest)
    {
        // Every char takes at least one UTF-8 byte and at most three.
        if (key.IsEmpty || key.Length > MaxKeyBytes)
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[MaxKeyBytes * 3];
        if (!Encoding.UTF8.TryGetBytes(key, buffer, out var written))
        {
            return false;
        }

        var accepted = written <= MaxKeyBytes;
        if (accepted)
        {
            SHA256.HashData(buffer[..written], digest);
        }

        CryptographicOperations.ZeroMemory(buffer[..written]);
        return accepted;
    }

    /// <summary>True when an <c>Authorization</c> value uses the Basic scheme; <paramref name="payload"/> is its base64 part.</summary>
    public static bool IsBasic(string? authorization, out ReadOnlySpan<char> payload)
    {
        if (authorization is not null && authorization.StartsWith(BasicPrefix, StringComparison.OrdinalIgnoreCase))
        {
            payload = authorization.AsSpan(BasicPrefix.Length).Trim();
            return true;
        }

        payload = default;
        return false;
    }

    /// <summary>True when an <c>Authorization</c> value uses the Bearer scheme; <paramref name="token"/> is its credential.</summary>
    public static bool IsBearer(string? authorization, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? token)
    {
        if (authorization is not null && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            token = authorization[BearerPrefix.Length..].Trim();
            return token.Length > 0;
        }

        token = null;
        return false;
    }

    /// <summary>
    /// Decodes <c>base64(client:key)</c> into <paramref name="buffer"/> (at least <see cref="MaxBasicPayloadChars"/> / 4 * 3 bytes).
    /// <paramref name="colon"/> is the index of the first ':' in the decoded bytes.
    /// </summary>
    public static bool TryDecodeBasic(ReadOnlySpan<char> payload, Span<byte> buffer, out int length, out int colon)
    {
        length = 0;
        colon = -1;
        if (payload.IsEmpty || payload.Length > MaxBasicPayloadChars || !Convert.TryFromBase64Chars(payload, buffer, out length))
        {
            return false;
        }

        colon = buffer[..length].IndexOf((byte)':');
        return colon > 0;
    }

    /// <summary>The client name of decoded Basic credentials, or null when it is not valid UTF-8.</summary>
    public static string? ClientName(ReadOnlySpan<byte> decoded, int colon)
    {
        try
        {
            return StrictUtf8.GetString(decoded[..colon]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when an <c>Authorization</c> value is a Bearer JWT of a configured issuer: an inbound credential, removed before
    /// forwarding on every route whether or not it was valid. Other Bearer tokens (the caller's own, for the upstream) pass.
    /// </summary>
    public static bool IsInboundJwt(string? authorization, InboundClientSet clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        return clients.HasJwtClients && IsBearer(authorization, out var token) &&
               JwtCredentialCheck.UnverifiedIssuer(token) is { } issuer && clients.FindIssuer(issuer) is not null;
    }

    /// <summary>
    /// True when an <c>Authorization</c> value is a Basic credential naming a configured client: the inbound
    /// credential, which must not be forwarded. Basic credentials for other user names pass through.
    /// </summary>
    public static bool IsInboundBasic(string? authorization, InboundClientSet clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        if (!clients.HasClients || !IsBasic(authorization, out var payload))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[MaxBasicPayloadChars / 4 * 3];
        if (!TryDecodeBasic(payload, buffer, out var length, out var colon))
        {
            return false;
        }

        var name = ClientName(buffer[..length], colon);
        CryptographicOperations.ZeroMemory(buffer[..length]);
        return name is not null && clients.ContainsName(name);
    }
}
