using System.Text.Json.Serialization;

namespace AuthProxy.Tokens.CloudPak;

/// <summary>
/// The fields of a Cloud Pak for Data token reply: <c>authorize</c> and <c>signin</c> answer <c>token</c>,
/// <c>validateAuth</c> answers <c>token</c> or <c>accessToken</c> depending on the release.
/// </summary>
internal sealed class CloudPakTokenReply
{
    [JsonPropertyName("token")]
    public string? Token { get; set; }

    [JsonPropertyName("accessToken")]
    public string? AccessToken { get; set; }

    /// <summary>Never prints the token.</summary>
    public override string ToString() => "CloudPakTokenReply(***)";
}
