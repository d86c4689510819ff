using System.Security.Cryptography;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Checks a request's <c>X-API-Key</c> or <c>Authorization: Basic</c> credential against a client set. The presented
/// key is hashed once (SHA-256) and compared with the clients' digests in constant time.
/// </summary>
internal static class InboundCredentialCheck
{
    public static InboundCheckResult Check(InboundClientSet clients, IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(headers);
        if (!clients.HasClients)
        {
            return InboundCheckResult.NoCredential;
        }

        var apiKey = headers[InboundAuthDefaults.ApiKeyHeaderName];
        if (apiKey.Count > 0)
        {
            return CheckApiKey(clients, apiKey);
        }

        var authorization = headers[HeaderNames.Authorization];
        if (authorization.Count == 1 && InboundCredentials.IsBasic(authorization[0], out var payload))
        {
            return CheckBasic(clients, payload);
        }

        return InboundCheckResult.NoCredential;
    }

    private static InboundCheckResult CheckApiKey(InboundClientSet clients, StringValues values)
    {
        if (values.Count > 1)
        {
            return InboundCheckResult.Refused(InboundCredentialKind.ApiKey, "more than one X-API-Key header");
        }

        Span<byte> digest = stackalloc byte[InboundCredentials.DigestLength];
        if (!InboundCredentials.TryDigest(values[0], digest))
        {
            return InboundCheckResult.Refused(InboundCredentialKind.ApiKey,
                string.IsNullOrEmpty(values[0]) ? "empty X-API-Key header" : "X-API-Key value is too long");
        }

        return clients.FindByKey(digest) is { } client
            ? new InboundCheckResult(InboundCredentialKind.ApiKey, client, null)
            : InboundCheckResult.Refused(InboundCredentialKind.ApiKey, "the key matches no client");
    }

    private static InboundCheckResult CheckBasic(InboundClientSet clients, ReadOnlySpan<char> payload)
    {
        Span<byte> decoded = stackalloc byte[InboundCredentials.MaxBasicPayloadChars / 4 * 3];
        if (!InboundCredentials.TryDecodeBasic(payload, decoded, out var length, out var colon))
        {
            CryptographicOperations.ZeroMemory(decoded[..length]);
            return InboundCheckResult.Refused(InboundCredentialKind.Basic, "malformed Basic credential (expected base64 of client:key)");
        }

        var name = InboundCredentials.ClientName(decoded[..length], colon);
        var key = decoded[(colon + 1)..length];
        Span<byte> digest = stackalloc byte[InboundCredentials.DigestLength];
        var hashed = !key.IsEmpty && key.Length <= InboundCredentials.MaxKeyBytes;
        if (hashed)
        {
            SHA256.HashData(key, digest);
        }

        CryptographicOperations.ZeroMemory(decoded[..length]);
        if (name is null)
        {
            return InboundCheckResult.Refused(InboundCredentialKind.Basic, "malformed Basic credential (client name is not UTF-8)");
        }

        if (!hashed)
        {
            return InboundCheckResult.Refused(InboundCredentialKind.Basic, "malformed Basic credential (empty or over-long key)");
        }

        // The user name is not echoed: a caller may have put a key there by mistake.
        return clients.FindByNameAndKey(name, digest) is { } client
            ? new InboundCheckResult(InboundCredentialKind.Basic, client, null)
            : InboundCheckResult.Refused(InboundCredentialKind.Basic, "unknown client or wrong key");
    }
}
