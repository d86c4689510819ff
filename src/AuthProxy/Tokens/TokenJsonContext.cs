using System.Text.Json;
using System.Text.Json.Serialization;
using AuthProxy.Tokens.Iam;

namespace AuthProxy.Tokens;

/// <summary>
/// Source-generated JSON metadata for token replies. Field names are matched case-insensitively
/// (IBM endpoints disagree on casing) and numbers may arrive as strings.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(IamTokenReply))]
internal sealed partial class TokenJsonContext : JsonSerializerContext
{
}
