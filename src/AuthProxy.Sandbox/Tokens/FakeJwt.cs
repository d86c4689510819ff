using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace AuthProxy.Sandbox.Tokens;

/// <summary>
/// JWT-shaped tokens as IAM and Cloud Pak issue them: <c>base64url(header).base64url(payload).signature</c>.
/// The signature is an HMAC with a key that lives only in this process; nobody checks it (the emulators
/// look tokens up in <see cref="IssuedTokenStore"/>), it only makes the tokens look real.
/// </summary>
public static class FakeJwt
{
    private static readonly byte[] SigningKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>
    /// Creates a token with <c>iat</c>, <c>exp</c> and a unique <c>jti</c> added to <paramref name="claims"/>
    /// (which is not modified).
    /// </summary>
    public static string Create(JsonObject claims, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var payload = (JsonObject)claims.DeepClone();
        payload["iat"] = issuedAt.ToUnixTimeSeconds();
        payload["exp"] = expiresAt.ToUnixTimeSeconds();
        payload["jti"] = Guid.NewGuid().ToString("N");

        var header = new JsonObject { ["alg"] = "HS256", ["typ"] = "JWT", ["kid"] = "sandbox" };
        var signingInput = Encode(header.ToJsonString()) + "." + Encode(payload.ToJsonString());
        var signature = HMACSHA256.HashData(SigningKey, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The payload of a JWT-shaped token, or <see langword="null"/> when it is not one.</summary>
    public static JsonObject? ReadPayload(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(Base64Url.DecodeFromChars(parts[1])) as JsonObject;
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
