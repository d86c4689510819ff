using System.Text.Json.Serialization;

namespace AuthProxy.Tokens.Sklm;

/// <summary>The JSON body of SKLM's <c>ckms/login</c> and <c>ckms/accessToken</c> requests.</summary>
internal sealed class SklmCredentials
{
    [JsonPropertyName("userid")]
    public required string UserId { get; init; }

    [JsonPropertyName("password")]
    public required string Password { get; init; }

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"SklmCredentials(userid={UserId}, password=***)";
}
