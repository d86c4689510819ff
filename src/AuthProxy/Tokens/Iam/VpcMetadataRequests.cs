using System.Text.Json.Serialization;

namespace AuthProxy.Tokens.Iam;

/// <summary>The body of <c>PUT /instance_identity/v1/token</c>.</summary>
internal sealed class VpcIdentityTokenRequest
{
    [JsonPropertyName("expires_in")]
    public int ExpiresIn { get; set; }
}

/// <summary>The body of <c>POST /instance_identity/v1/iam_token</c> when a trusted profile is named.</summary>
internal sealed class VpcIamTokenRequest
{
    [JsonPropertyName("trusted_profile")]
    public VpcTrustedProfile? TrustedProfile { get; set; }
}

/// <summary>A trusted profile by id or by CRN.</summary>
internal sealed class VpcTrustedProfile
{
    [JsonPropertyName("id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; set; }

    [JsonPropertyName("crn")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Crn { get; set; }
}
