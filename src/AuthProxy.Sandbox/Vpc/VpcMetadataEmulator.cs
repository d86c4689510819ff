using System.Globalization;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Iam;
using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Sandbox.Vpc;

/// <summary>
/// The IBM Cloud VPC instance metadata service's identity endpoints: <c>PUT /instance_identity/v1/token</c> (JSON
/// <c>{"expires_in": 5..3600}</c>) issues an instance identity token, and <c>POST /instance_identity/v1/iam_token</c>
/// with that token as <c>Bearer</c> (and optionally <c>{"trusted_profile": {"id"|"crn": …}}</c>) an IAM token of the
/// trusted profile, recorded under <see cref="IamEmulator.Issuer"/> so the Key Protect emulator accepts it. Both need
/// <c>Metadata-Flavor: ibm</c> and <c>version=2022-03-01</c> (or later).
/// </summary>
public sealed class VpcMetadataEmulator : Emulator
{
    public const string TokenPath = "/instance_identity/v1/token";
    public const string IamTokenPath = "/instance_identity/v1/iam_token";

    /// <summary>The issuer name of instance identity tokens in <see cref="IssuedTokenStore"/>.</summary>
    public const string Issuer = "vpc-identity";

    private const string MinimumVersion = "2022-03-01";

    private readonly HashSet<string> _profiles;
    private readonly string _defaultProfile;
    private readonly LiveDuration _lifetime;

    private VpcMetadataEmulator(VpcMetadataEmulatorOptions options)
        : base("VPC metadata", options, Issuer)
    {
        _profiles = new HashSet<string>(options.TrustedProfiles, StringComparer.Ordinal);
        _defaultProfile = options.DefaultProfile;
        _lifetime = new LiveDuration(options.TokenLifetime);
    }

    /// <summary>Lifetime of IAM tokens issued from now on.</summary>
    public TimeSpan TokenLifetime
    {
        get => _lifetime.Value;
        set => _lifetime.Value = value;
    }

    public static Task<VpcMetadataEmulator> StartAsync(VpcMetadataEmulatorOptions? options = null, CancellationToken cancellationToken = default) =>
        ListenAsync(new VpcMetadataEmulator(options ?? new VpcMetadataEmulatorOptions()), cancellationToken);

    private protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPut(TokenPath, IdentityTokenAsync);
        endpoints.MapPost(IamTokenPath, IamTokenAsync);
    }

    private async Task IdentityTokenAsync(HttpContext context)
    {
        if (await TokenRequestHandledAsync(context, TokenPath) || !await CheckRequestAsync(context))
        {
            return;
        }

        var body = await EmulatorHttp.ReadJsonObjectAsync(context);
        var expiresIn = body?["expires_in"] is JsonValue value && value.TryGetValue<int>(out var seconds) ? seconds : 300;
        if (expiresIn is < 5 or > 3600)
        {
            await RefuseAsync(context, RejectionReason.BadRequest, "invalid_value", "expires_in must be from 5 to 3600");
            return;
        }

        var now = Time.GetUtcNow();
        var expiresAt = now.AddSeconds(expiresIn);
        var token = FakeJwt.Create(new JsonObject { ["sub"] = "sandbox-instance", ["iss"] = Url }, now, expiresAt);
        RecordIssued(token, Issuer, "sandbox-instance", "instance identity", now, expiresAt);
        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["access_token"] = token,
            ["created_at"] = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["expires_at"] = expiresAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["expires_in"] = expiresIn,
        });
    }

    private async Task IamTokenAsync(HttpContext context)
    {
        if (await TokenRequestHandledAsync(context, IamTokenPath) || !await CheckRequestAsync(context))
        {
            return;
        }

        if (!EmulatorHttp.TryGetAuthorization(context, "Bearer", out var identity, out var reason) ||
            !Tokens.TryUse(identity, Issuer, Time.GetUtcNow(), out reason, out _))
        {
            await RefuseAsync(context, reason, StatusCodes.Status401Unauthorized, Error("not_authorized", "The instance identity token is not valid."));
            return;
        }

        var body = context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0
            ? await EmulatorHttp.ReadJsonObjectAsync(context)
            : null;
        var trusted = body?["trusted_profile"] as JsonObject;
        var crn = EmulatorHttp.GetString(trusted, "crn");
        var profile = EmulatorHttp.GetString(trusted, "id") ?? (crn is not null ? crn[(crn.LastIndexOf(':') + 1)..] : _defaultProfile);
        if (!_profiles.Contains(profile))
        {
            await RefuseAsync(context, RejectionReason.BadCredentials, "iam_token_failed", "The trusted profile is not linked to this instance.");
            return;
        }

        var now = Time.GetUtcNow();
        var lifetime = TokenLifetime;
        var expiresAt = now + lifetime;
        var iamId = IamEmulator.ProfileIamId(profile);
        var token = FakeJwt.Create(new JsonObject
        {
            ["iam_id"] = iamId,
            ["sub"] = iamId,
            ["sub_type"] = "Profile",
            ["iss"] = Url + "/identity",
            ["grant_type"] = "urn:ibm:params:oauth:grant-type:cr-token",
        }, now, expiresAt);
        RecordIssued(token, IamEmulator.Issuer, iamId, "VPC trusted profile", now, expiresAt);
        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["access_token"] = token,
            ["created_at"] = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["expires_at"] = expiresAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["expires_in"] = (long)lifetime.TotalSeconds,
        });
    }

    /// <summary>Both endpoints need <c>Metadata-Flavor: ibm</c> and a <c>version</c> date.</summary>
    private async Task<bool> CheckRequestAsync(HttpContext context)
    {
        if (!string.Equals(context.Request.Headers["Metadata-Flavor"].ToString(), "ibm", StringComparison.Ordinal))
        {
            await RefuseAsync(context, RejectionReason.MissingHeader, StatusCodes.Status400BadRequest, Error("missing_header", "Metadata-Flavor: ibm is required."));
            return false;
        }

        var version = context.Request.Query["version"].ToString();
        if (version.Length == 0 || string.CompareOrdinal(version, MinimumVersion) < 0)
        {
            await RefuseAsync(context, RejectionReason.BadRequest, StatusCodes.Status400BadRequest, Error("invalid_version", "version=2022-03-01 or later is required."));
            return false;
        }

        return true;
    }

    private Task RefuseAsync(HttpContext context, RejectionReason reason, string code, string message) =>
        RefuseAsync(context, reason, StatusCodes.Status400BadRequest, Error(code, message));

    private static JsonObject Error(string code, string message) =>
        new() { ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }), ["trace"] = Guid.NewGuid().ToString("N") };
}
