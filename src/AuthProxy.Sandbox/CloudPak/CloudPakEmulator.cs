using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Sandbox.CloudPak;

/// <summary>
/// Cloud Pak for Data's sign-in endpoints (<c>/icp4d-api/v1/authorize</c>, the identity provider's
/// <c>identitytoken</c> followed by <c>/v1/preauth/validateAuth</c>, and <c>/v1/preauth/signin</c>) and a small
/// watsonx.ai-like API (<c>GET /ml/v4/deployments</c>, <c>POST /ml/v1/text/generation</c> and its server-sent-events
/// twin <c>POST /ml/v1/text/generation_stream</c>, one event per generated token) that accepts a live
/// platform JWT as <c>Bearer</c>, or <c>ZenApiKey base64(username:apikey)</c>.
/// Platform JWTs carry <c>exp</c>/<c>iat</c>; the replies state no lifetime, as Cloud Pak's do.
/// </summary>
public sealed class CloudPakEmulator : Emulator
{
    public const string AuthorizePath = "/icp4d-api/v1/authorize";
    public const string IdentityTokenPath = "/idprovider/v1/auth/identitytoken";
    public const string ValidateAuthPath = "/v1/preauth/validateAuth";
    public const string SigninPath = "/v1/preauth/signin";
    public const string DeploymentsPath = "/ml/v4/deployments";
    public const string TextGenerationPath = "/ml/v1/text/generation";
    public const string TextGenerationStreamPath = "/ml/v1/text/generation_stream";

    /// <summary>Issuer name of platform JWTs (the ones the API accepts).</summary>
    public const string Issuer = "cpd";

    /// <summary>Issuer name of identity-provider tokens (accepted only by <c>validateAuth</c>).</summary>
    public const string IdentityIssuer = "cpd-idp";

    private const string SandboxUid = "1000330999";

    private readonly Dictionary<string, CloudPakUser> _users;
    private readonly LiveDuration _lifetime;

    /// <remarks><see cref="Emulator.RevokeAll"/> revokes platform and identity tokens; <c>ZenApiKey</c> keeps working.</remarks>
    private CloudPakEmulator(CloudPakEmulatorOptions options)
        : base("Cloud Pak", options, Issuer, IdentityIssuer)
    {
        _users = options.Users.ToDictionary(u => u.Username, StringComparer.Ordinal);
        _lifetime = new LiveDuration(options.TokenLifetime);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TextStreamInterval, TimeSpan.Zero);
        TextStreamInterval = options.TextStreamInterval;
    }

    /// <summary>The pause between two events of a text generation stream.</summary>
    public TimeSpan TextStreamInterval { get; }

    /// <summary>Lifetime of tokens issued from now on.</summary>
    public TimeSpan TokenLifetime
    {
        get => _lifetime.Value;
        set => _lifetime.Value = value;
    }

    /// <summary>Starts a Cloud Pak emulator on 127.0.0.1; its <see cref="Emulator.Url"/> is the <c>Url</c> of the Cloud Pak providers.</summary>
    public static Task<CloudPakEmulator> StartAsync(CloudPakEmulatorOptions? options = null, CancellationToken cancellationToken = default) =>
        ListenAsync(new CloudPakEmulator(options ?? new CloudPakEmulatorOptions()), cancellationToken);

    private protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(AuthorizePath, AuthorizeAsync);
        endpoints.MapPost(IdentityTokenPath, IdentityTokenAsync);
        endpoints.MapGet(ValidateAuthPath, ValidateAuthAsync);
        endpoints.MapPost(SigninPath, SigninAsync);
        endpoints.MapGet(DeploymentsPath, DeploymentsAsync);
        endpoints.MapPost(TextGenerationPath, TextGenerationAsync);
        endpoints.MapPost(TextGenerationStreamPath, TextGenerationStreamAsync);
    }

    /// <summary><c>{"username","api_key"}</c> or <c>{"username","password"}</c> → <c>{"token"}</c>.</summary>
    private async Task AuthorizeAsync(HttpContext context)
    {
        if (await TokenRequestHandledAsync(context, AuthorizePath))
        {
            return;
        }

        var json = await EmulatorHttp.ReadJsonObjectAsync(context);
        var username = EmulatorHttp.GetString(json, "username");
        var apiKey = EmulatorHttp.GetString(json, "api_key");
        var password = EmulatorHttp.GetString(json, "password");
        if (string.IsNullOrEmpty(username) || (string.IsNullOrEmpty(apiKey) && string.IsNullOrEmpty(password)))
        {
            await RefuseAsync(context, RejectionReason.BadRequest, StatusCodes.Status400BadRequest,
                MessageCode("400", "username and either api_key or password are required"));
            return;
        }

        if (!_users.TryGetValue(username, out var user) ||
            !(string.IsNullOrEmpty(apiKey) ? Matches(user.Password, password) : Matches(user.ApiKey, apiKey)))
        {
            await RefuseAsync(context, RejectionReason.BadCredentials, StatusCodes.Status401Unauthorized, MessageCode("401", "Invalid user name or password"));
            return;
        }

        var body = MessageCode("200", "Success");
        body["token"] = IssuePlatformToken(user, "authorize");
        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    /// <summary>Form <c>grant_type=password&amp;username&amp;password&amp;scope=openid</c> → <c>{"access_token"}</c>.</summary>
    private async Task IdentityTokenAsync(HttpContext context)
    {
        if (await TokenRequestHandledAsync(context, IdentityTokenPath))
        {
            return;
        }

        var form = await EmulatorHttp.ReadFormAsync(context);
        if (form is null || form["grant_type"] != "password" || string.IsNullOrEmpty(form["username"]) || string.IsNullOrEmpty(form["password"]))
        {
            await RefuseAsync(context, RejectionReason.BadRequest, StatusCodes.Status400BadRequest, OAuthError("invalid_request",
                "grant_type=password, username and password are required"));
            return;
        }

        if (!_users.TryGetValue(form["username"].ToString(), out var user) || !Matches(user.Password, form["password"]))
        {
            await RefuseAsync(context, RejectionReason.BadCredentials, StatusCodes.Status401Unauthorized, OAuthError("invalid_grant", "Invalid user name or password"));
            return;
        }

        var now = Time.GetUtcNow();
        var lifetime = TokenLifetime;
        var expiresAt = now + lifetime;
        var token = FakeJwt.Create(new JsonObject
        {
            ["sub"] = user.Username,
            ["iss"] = Url + "/idprovider",
            ["aud"] = "openid",
            ["scope"] = form["scope"].ToString() is { Length: > 0 } scope ? scope : "openid",
        }, now, expiresAt);
        RecordIssued(token, IdentityIssuer, user.Username, "identity", now, expiresAt);
        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)lifetime.TotalSeconds,
            ["expiration"] = expiresAt.ToUnixTimeSeconds(),
            ["refresh_token"] = Guid.NewGuid().ToString("N"),
            ["scope"] = "openid",
        });
    }

    /// <summary>Headers <c>username</c> and <c>iam-token</c> (an identity-provider token) → <c>{"accessToken"}</c>.</summary>
    private async Task ValidateAuthAsync(HttpContext context)
    {
        if (await TokenRequestHandledAsync(context, ValidateAuthPath))
        {
            return;
        }

        var username = context.Request.Headers["username"].ToString();
        var iamToken = context.Request.Headers["iam-token"].ToString();
        if (username.Length == 0 || iamToken.Length == 0)
        {
            await RefuseAsync(context, RejectionReason.MissingHeader, StatusCodes.Status401Unauthorized,
                MessageCode("401", "The username and iam-token headers are required"));
            return;
        }

        if (!Tokens.TryUse(iamToken, IdentityIssuer, Time.GetUtcNow(), out var reason, out var identity) ||
            !string.Equals(identity!.Subject, username, StringComparison.Ordinal) ||
            !_users.TryGetValue(username, out var user))
        {
            await RefuseAsync(context, identity is null ? reason : RejectionReason.BadCredentials, StatusCodes.Status401Unauthorized,
                MessageCode("401", "Invalid or expired iam-token"));
            return;
        }

        var body = new JsonObject
        {
            ["username"] = user.Username,
            ["role"] = user.Role,
            ["permissions"] = Permissions(),
            ["sub"] = user.Username,
            ["iss"] = "KNOXSSO",
            ["aud"] = "DSX",
            ["uid"] = SandboxUid,
            ["authenticator"] = "external",
            ["accessToken"] = IssuePlatformToken(user, "validateAuth"),
            ["_messageCode_"] = "success",
            ["message"] = "success",
        };
        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    /// <summary><c>{"username","password"}</c> → <c>{"token"}</c> (LDAP sign-in).</summary>
    private async Task SigninAsync(HttpContext context)
    {
        if (await TokenRequestHandledAsync(context, SigninPath))
        {
            return;
        }

        var json = await EmulatorHttp.ReadJsonObjectAsync(context);
        var username = EmulatorHttp.GetString(json, "username");
        var password = EmulatorHttp.GetString(json, "password");
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
        {
            await RefuseAsync(context, RejectionReason.BadRequest, StatusCodes.Status400BadRequest, MessageCode("400", "username and password are required"));
            return;
        }

        if (!_users.TryGetValue(username, out var user) || !Matches(user.Password, password))
        {
            await RefuseAsync(context, RejectionReason.BadCredentials, StatusCodes.Status401Unauthorized, MessageCode("401", "Invalid user name or password"));
            return;
        }

        var body = MessageCode("success", "success");
        body["token"] = IssuePlatformToken(user, "signin");
        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    private async Task DeploymentsAsync(HttpContext context)
    {
        if (await AuthorizeApiAsync(context) is null)
        {
            return;
        }

        var version = context.Request.Query["version"].ToString();
        var created = Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["total_count"] = 1,
            ["limit"] = 100,
            ["first"] = new JsonObject { ["href"] = $"{DeploymentsPath}?version={Uri.EscapeDataString(version)}" },
            ["resources"] = new JsonArray(new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["id"] = "5b1f0c2e-sandbox-deployment",
                    ["name"] = "sandbox-granite",
                    ["space_id"] = "sandbox-space",
                    ["created_at"] = created,
                },
                ["entity"] = new JsonObject
                {
                    ["name"] = "sandbox-granite",
                    ["asset"] = new JsonObject { ["id"] = "ibm/granite-13b-instruct-v2" },
                    ["online"] = new JsonObject(),
                    ["status"] = new JsonObject { ["state"] = "ready" },
                },
            }),
        });
    }

    /// <summary>A generation request's body and <c>input</c>, or null once the call is refused (no token, no input).</summary>
    private async Task<(JsonObject? Json, string Input)?> ReadGenerationRequestAsync(HttpContext context)
    {
        if (await AuthorizeApiAsync(context) is null)
        {
            return null;
        }

        var json = await EmulatorHttp.ReadJsonObjectAsync(context);
        var input = EmulatorHttp.GetString(json, "input");
        if (string.IsNullOrEmpty(input))
        {
            await RefuseAsync(context, RejectionReason.BadRequest, StatusCodes.Status400BadRequest,
                ApiError(context, StatusCodes.Status400BadRequest, "json_validation_error", "Json document validation error: 'input' is required"));
            return null;
        }

        return (json, input);
    }

    private async Task TextGenerationAsync(HttpContext context)
    {
        if (await ReadGenerationRequestAsync(context) is not var (json, input))
        {
            return;
        }

        var generated = "Sandbox says: " + input;
        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["model_id"] = EmulatorHttp.GetString(json, "model_id") ?? "ibm/granite-13b-instruct-v2",
            ["created_at"] = Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["results"] = new JsonArray(new JsonObject
            {
                ["generated_text"] = generated,
                ["generated_token_count"] = generated.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length,
                ["input_token_count"] = input.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length,
                ["stop_reason"] = "eos_token",
            }),
        });
    }

    /// <summary>
    /// watsonx.ai's streaming generation: <c>text/event-stream</c>, one <c>message</c> event per generated token (each
    /// a generation result holding that token), <see cref="TextStreamInterval"/> apart, each flushed as it is written;
    /// the last says <c>stop_reason: eos_token</c>.
    /// </summary>
    private async Task TextGenerationStreamAsync(HttpContext context)
    {
        if (await ReadGenerationRequestAsync(context) is not var (json, input))
        {
            return;
        }

        var modelId = EmulatorHttp.GetString(json, "model_id") ?? "ibm/granite-13b-instruct-v2";
        var inputTokens = input.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var tokens = ("Sandbox says: " + input).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        for (var i = 0; i < tokens.Length; i++)
        {
            if (i > 0 && TextStreamInterval > TimeSpan.Zero)
            {
                await Task.Delay(TextStreamInterval, Time, context.RequestAborted);
            }

            var last = i == tokens.Length - 1;
            var result = new JsonObject
            {
                ["model_id"] = modelId,
                ["created_at"] = Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["results"] = new JsonArray(new JsonObject
                {
                    ["generated_text"] = (i == 0 ? "" : " ") + tokens[i],
                    ["generated_token_count"] = i + 1,
                    ["input_token_count"] = inputTokens,
                    ["stop_reason"] = last ? "eos_token" : "not_finished",
                }),
            };
            await context.Response.WriteAsync($"id: {i + 1}\nevent: message\ndata: {result.ToJsonString()}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    /// <summary>
    /// Counts the request, runs the hook, requires a <c>version</c> query and a live platform JWT or a valid ZenApiKey.
    /// Returns the caller's user name, or null when refused.
    /// </summary>
    private async Task<string?> AuthorizeApiAsync(HttpContext context)
    {
        if (await ApiRequestHandledAsync(context))
        {
            return null;
        }

        string? caller = null;
        RejectionReason reason;
        if (EmulatorHttp.TryGetAuthorization(context, "ZenApiKey", out var zenKey, out _))
        {
            caller = CheckZenApiKey(zenKey, out reason);
        }
        else if (EmulatorHttp.TryGetAuthorization(context, "Bearer", out var bearer, out reason) &&
                 Tokens.TryUse(bearer, Issuer, Time.GetUtcNow(), out reason, out var token))
        {
            caller = token!.Subject;
        }

        if (caller is null)
        {
            await RefuseAsync(context, reason, StatusCodes.Status401Unauthorized, ApiError(context, StatusCodes.Status401Unauthorized,
                "authentication_token_not_valid", "Failed to authenticate the request due to invalid token"));
            return null;
        }

        if (context.Request.Query["version"].ToString().Length == 0)
        {
            await RefuseAsync(context, RejectionReason.BadRequest, StatusCodes.Status400BadRequest,
                ApiError(context, StatusCodes.Status400BadRequest, "invalid_request", "Missing query parameter 'version'"));
            return null;
        }

        return caller;
    }

    private string? CheckZenApiKey(string credential, out RejectionReason reason)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(credential));
        }
        catch (FormatException)
        {
            reason = RejectionReason.MalformedHeader;
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            reason = RejectionReason.MalformedHeader;
            return null;
        }

        var username = decoded[..colon];
        if (!_users.TryGetValue(username, out var user) || !Matches(user.ApiKey, decoded[(colon + 1)..]))
        {
            reason = RejectionReason.BadCredentials;
            return null;
        }

        reason = default;
        return username;
    }

    private string IssuePlatformToken(CloudPakUser user, string flow)
    {
        var now = Time.GetUtcNow();
        var expiresAt = now + TokenLifetime;
        var token = FakeJwt.Create(new JsonObject
        {
            ["username"] = user.Username,
            ["role"] = user.Role,
            ["permissions"] = Permissions(),
            ["groups"] = new JsonArray(10000),
            ["sub"] = user.Username,
            ["iss"] = "KNOXSSO",
            ["aud"] = "DSX",
            ["uid"] = SandboxUid,
            ["authenticator"] = "default",
            ["display_name"] = user.Username,
        }, now, expiresAt);
        RecordIssued(token, Issuer, user.Username, flow, now, expiresAt);
        return token;
    }

    private static JsonObject ApiError(HttpContext context, int status, string code, string message) => new()
    {
        ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }),
        ["trace"] = context.TraceIdentifier,
        ["status_code"] = status,
    };

    private static JsonObject MessageCode(string code, string message) => new() { ["_messageCode_"] = code, ["message"] = message };

    private static JsonObject OAuthError(string error, string description) => new() { ["error"] = error, ["error_description"] = description };

    private static JsonArray Permissions() => new("administrator", "can_provision", "manage_catalog");

    private static bool Matches(string? expected, string? given) =>
        !string.IsNullOrEmpty(expected) && string.Equals(expected, given, StringComparison.Ordinal);
}
