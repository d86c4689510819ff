using System.Text.Json;
using System.Text.Json.Serialization;
using AuthProxy.Tokens.CloudPak;
using AuthProxy.Tokens.Iam;
using AuthProxy.Tokens.Sklm;

namespace AuthProxy.Tokens;

/// <summary>
/// Source-generated JSON metadata for token replies and JSON request bodies. Reply field names are
/// matched case-insensitively (IBM endpoints disagree on casing) and numbers may arrive as strings.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(IamTokenReply))]
[JsonSerializable(typeof(VpcIdentityTokenRequest))]
[JsonSerializable(typeof(VpcIamTokenRequest))]
[JsonSerializable(typeof(CloudPakCredentials))]
[JsonSerializable(typeof(CloudPakTokenReply))]
[JsonSerializable(typeof(SklmCredentials))]
[JsonSerializable(typeof(SklmLoginReply))]
internal sealed partial class TokenJsonContext : JsonSerializerContext
{
}
