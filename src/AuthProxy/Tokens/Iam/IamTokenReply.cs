using System.Text.Json.Serialization;

namespace AuthProxy.Tokens.Iam;

/// <summary>The fields of an IBM Cloud IAM token reply that the proxy uses.</summary>
internal sealed class IamTokenReply
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }

    /// <summary>Seconds of validity.</summary>
    [JsonPropertyName("expires_in")]
    public long? ExpiresIn { get; set; }

    /// <summary>Absolute expiry, Unix seconds.</summary>
    [JsonPropertyName("expiration")]
    public long? Expiration { get; set; }

    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"IamTokenReply(expires_in={ExpiresIn}, expiration={Expiration}, access_token=***)";
}
