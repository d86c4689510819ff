using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Sandbox.Iam;

/// <summary>
/// IBM Cloud IAM's token endpoint, <c>POST /identity/token</c>: the <c>apikey</c> grant, the trusted-profile
/// <c>cr-token</c> grant and the <c>assume</c> grant (an IAM token of this emulator for a trusted profile's). Issues JWT-shaped access tokens recorded in <see cref="Emulator.Tokens"/> under <see cref="Issuer"/>.
/// Error codes other than <c>BXNIM0415E</c> are the emulator's own.
/// </summary>
public sealed class IamEmulator : Emulator
{
    public const string TokenPath = "/identity/token";

    /// <summary>The issuer name of IAM tokens in <see cref="IssuedTokenStore"/>.</summary>
    public const string Issuer = "iam";

    public const string ApiKeyGrant = "urn:ibm:params:oauth:grant-type:apikey";
    public const string CrTokenGrant = "urn:ibm:params:oauth:grant-type:cr-token";
    public const string AssumeGrant = "urn:ibm:params:oauth:grant-type:assume";

    private readonly HashSet<string> _apiKeys;
    private readonly HashSet<string> _profiles;
    private readonly HashSet<string> _crTokens;
    private readonly LiveDuration _lifetime;

    private IamEmulator(IamEmulatorOptions options)
        : base("IAM", options, Issuer)
    {
        _apiKeys = new HashSet<string>(options.ApiKeys, StringComparer.Ordinal);
        _profiles = new HashSet<string>(options.TrustedProfiles, StringComparer.Ordinal);
        _crTokens = new HashSet<string>(options.ComputeResourceTokens, StringComparer.Ordinal);
        _lifetime = new LiveDuration(options.TokenLifetime);
    }

    /// <summary>The full token URL, as <c>TokenUrl</c> of an <c>IamApiKey</c> provider.</summary>
    public string TokenUrl => Url + TokenPath;

    /// <summary>Lifetime of tokens issued from now on.</summary>
    public TimeSpan TokenLifetime
    {
        get => _lifetime.Value;
        set => _lifetime.Value = value;
    }

    /// <summary>Starts an IAM emulator on 127.0.0.1. Share its <see cref="Emulator.Tokens"/> with the Key Protect emulator.</summary>
    public static Task<IamEmulator> StartAsync(IamEmulatorOptions? options = null, CancellationToken cancellationToken = default) =>
        ListenAsync(new IamEmulator(options ?? new IamEmulatorOptions()), cancellationToken);

    private protected override void MapEndpoints(IEndpointRouteBuilder endpoints) => endpoints.MapPost(TokenPath, TokenAsync);

    private async Task TokenAsync(HttpContext context)
    {
        if (await TokenRequestHandledAsync(context, TokenPath))
        {
            return;
        }

        var form = await EmulatorHttp.ReadFormAsync(context);
        var grantType = form?["grant_type"].ToString();
        switch (grantType)
        {
            case ApiKeyGrant:
                var apiKey = form!["apikey"].ToString();
                if (apiKey.Length == 0)
                {
                    await RefuseAsync(context, RejectionReason.BadRequest, "BXNIM0109E", "Property missing or empty: apikey");
                }
                else if (!_apiKeys.Contains(apiKey))
                {
                    await RefuseAsync(context, RejectionReason.BadCredentials, "BXNIM0415E", "Provided API key could not be found.");
                }
                else
                {
                    await IssueAsync(context, "ServiceId", "iam-ServiceId-" + ShortHash(apiKey), grantType);
                }

                break;

            case CrTokenGrant:
                var crToken = form!["cr_token"].ToString();
                var profile = form["profile_id"].ToString() is { Length: > 0 } id ? id : form["profile_name"].ToString();
                if (crToken.Length == 0 || profile.Length == 0)
                {
                    await RefuseAsync(context, RejectionReason.BadRequest, "BXNIM0109E", "Property missing or empty: cr_token and profile_id or profile_name");
                }
                else if (_crTokens.Count > 0 && !_crTokens.Contains(crToken))
                {
                    await RefuseAsync(context, RejectionReason.BadCredentials, "BXNIM0471E", "Provided compute resource token is not valid.");
                }
                else if (!_profiles.Contains(profile))
                {
                    await RefuseAsync(context, RejectionReason.BadCredentials, "BXNIM0538E", "Provided trusted profile could not be found.");
                }
                else
                {
                    await IssueAsync(context, "Profile", ProfileIamId(profile), grantType);
                }

                break;

            case AssumeGrant:
                await AssumeAsync(context, form!);
                break;

            case null or "":
                await RefuseAsync(context, RejectionReason.BadRequest, "BXNIM0109E", "Property missing or empty: grant_type");
                break;

            default:
                await RefuseAsync(context, RejectionReason.BadRequest, "BXNIM0103E", "Unsupported grant type.");
                break;
        }
    }

    /// <summary>
    /// The assume grant: a live IAM token of this emulator (the caller's own identity) becomes a trusted profile's token.
    /// The profile is named by <c>profile_id</c>, <c>profile_crn</c> (its last segment is the id) or <c>profile_name</c> with
    /// <c>account</c>.
    /// </summary>
    private async Task AssumeAsync(HttpContext context, IFormCollection form)
    {
        var accessToken = form["access_token"].ToString();
        var crn = form["profile_crn"].ToString();
        var profile = form["profile_id"].ToString() is { Length: > 0 } id ? id
            : crn.Length > 0 ? crn[(crn.LastIndexOf(':') + 1)..]
            : form["profile_name"].ToString();
        if (accessToken.Length == 0 || profile.Length == 0)
        {
            await RefuseAsync(context, RejectionReason.BadRequest, "BXNIM0109E", "Property missing or empty: access_token and profile_id, profile_crn or profile_name");
        }
        else if (form["profile_name"].Count > 0 && form["profile_id"].Count == 0 && crn.Length == 0 && form["account"].ToString().Length == 0)
        {
            await RefuseAsync(context, RejectionReason.BadRequest, "BXNIM0109E", "Property missing or empty: account (required with profile_name)");
        }
        else if (!Tokens.TryUse(accessToken, Issuer, Time.GetUtcNow(), out _, out _))
        {
            await RefuseAsync(context, RejectionReason.BadCredentials, "BXNIM0407E", "The provided access token is not valid.");
        }
        else if (!_profiles.Contains(profile))
        {
            await RefuseAsync(context, RejectionReason.BadCredentials, "BXNIM0538E", "Provided trusted profile could not be found.");
        }
        else
        {
            await IssueAsync(context, "Profile", ProfileIamId(profile), AssumeGrant);
        }
    }

    /// <summary>The IAM id a trusted profile's tokens carry (what Activity Tracker shows as the initiator).</summary>
    public static string ProfileIamId(string profile) =>
        profile.StartsWith("Profile-", StringComparison.Ordinal) ? "iam-" + profile : "iam-Profile-" + profile;

    private Task IssueAsync(HttpContext context, string subjectType, string iamId, string grantType)
    {
        var now = Time.GetUtcNow();
        var lifetime = TokenLifetime;
        var expiresAt = now + lifetime;
        var token = FakeJwt.Create(new JsonObject
        {
            ["iam_id"] = iamId,
            ["id"] = iamId,
            ["realmid"] = "iam",
            ["sub"] = iamId,
            ["sub_type"] = subjectType,
            ["account"] = new JsonObject { ["bss"] = "sandbox-account" },
            ["iss"] = Url + "/identity",
            ["aud"] = "default",
            ["grant_type"] = grantType,
            ["scope"] = "ibm openid",
            ["client_id"] = "default",
        }, now, expiresAt);
        RecordIssued(token, Issuer, iamId, subjectType, now, expiresAt);
        return EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["access_token"] = token,
            ["refresh_token"] = "not_supported",
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)lifetime.TotalSeconds,
            ["expiration"] = expiresAt.ToUnixTimeSeconds(),
            ["scope"] = "ibm openid",
        });
    }

    /// <summary>IAM answers every refusal 400 with its error shape.</summary>
    private Task RefuseAsync(HttpContext context, RejectionReason reason, string code, string message)
    {
        var now = Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        return RefuseAsync(context, reason, StatusCodes.Status400BadRequest, new JsonObject
        {
            ["errorCode"] = code,
            ["errorMessage"] = message,
            ["context"] = new JsonObject
            {
                ["requestId"] = context.TraceIdentifier,
                ["requestType"] = "incoming.Identity_Token",
                ["userAgent"] = context.Request.Headers.UserAgent.ToString(),
                ["url"] = Url,
                ["locale"] = "en_US",
                ["startTime"] = now,
                ["endTime"] = now,
            },
        });
    }

    private static string ShortHash(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)), 0, 6);
}
