using System.Text.Json.Serialization;

namespace AuthProxy.Tokens.Sklm;

/// <summary>
/// SKLM's login reply. <c>ckms/login</c> spells the field <c>userAuthId</c>, <c>ckms/accessToken</c>
/// <c>UserAuthId</c>; the case-insensitive <see cref="TokenJsonContext"/> reads both.
/// </summary>
internal sealed class SklmLoginReply
{
    [JsonPropertyName("userAuthId")]
    public string? UserAuthId { get; set; }

    /// <summary>Never prints the session id.</summary>
    public override string ToString() => "SklmLoginReply(userAuthId=***)";
}
