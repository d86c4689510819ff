using System.Text.Json.Serialization;

namespace AuthProxy.Tokens.CloudPak;

/// <summary>
/// The JSON body of Cloud Pak's <c>/icp4d-api/v1/authorize</c> and <c>/v1/preauth/signin</c>:
/// a user name with either an API key or a password.
/// </summary>
internal sealed class CloudPakCredentials
{
    [JsonPropertyName("username")]
    public required string Username { get; init; }

    [JsonPropertyName("api_key")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApiKey { get; init; }

    [JsonPropertyName("password")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Password { get; init; }

    /// <summary>Never prints the secret.</summary>
    public override string ToString() => $"CloudPakCredentials(username={Username}, ***)";
}
