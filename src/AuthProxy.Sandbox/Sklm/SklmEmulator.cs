using System.Globalization;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Sandbox.Sklm;

/// <summary>
/// IBM Security Guardium Key Lifecycle Manager's REST login (<c>POST /SKLM/rest/v1/ckms/login</c> →
/// <c>userAuthId</c>), its OIDC variant (<c>GET /SKLM/rest/v1/ckms/accessToken</c> with a JSON body →
/// <c>UserAuthId</c>), and two read APIs that require exactly <c>Authorization: SKLMAuth userAuthId=&lt;id&gt;</c>.
/// A session id states no lifetime; it dies after <see cref="IdleTimeout"/> without use.
/// </summary>
public sealed class SklmEmulator : Emulator
{
    public const string LoginPath = "/SKLM/rest/v1/ckms/login";
    public const string AccessTokenPath = "/SKLM/rest/v1/ckms/accessToken";
    public const string ObjectsPath = "/SKLM/rest/v1/objects";
    public const string KeysPath = "/SKLM/rest/v1/ckms/keys";

    /// <summary>Issuer name of SKLM session ids in <see cref="IssuedTokenStore"/>.</summary>
    public const string Issuer = "sklm";

    private const string AuthorizationPrefix = "SKLMAuth userAuthId=";

    private readonly Dictionary<string, string> _users;
    private readonly LiveDuration _idleTimeout;

    private SklmEmulator(SklmEmulatorOptions options)
        : base("SKLM", options, Issuer)
    {
        _users = new Dictionary<string, string>(options.Users, StringComparer.Ordinal);
        _idleTimeout = new LiveDuration(options.IdleTimeout);
    }

    /// <summary>Idle timeout of session ids issued from now on.</summary>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout.Value;
        set => _idleTimeout.Value = value;
    }

    /// <summary>Starts an SKLM emulator on 127.0.0.1; its <see cref="Emulator.Url"/> is the <c>Url</c> of the SKLM providers.</summary>
    public static Task<SklmEmulator> StartAsync(SklmEmulatorOptions? options = null, CancellationToken cancellationToken = default) =>
        ListenAsync(new SklmEmulator(options ?? new SklmEmulatorOptions()), cancellationToken);

    private protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(LoginPath, context => LoginAsync(context, LoginPath, "userAuthId"));
        endpoints.MapGet(AccessTokenPath, context => LoginAsync(context, AccessTokenPath, "UserAuthId"));
        endpoints.MapGet(ObjectsPath, ObjectsAsync);
        endpoints.MapGet(KeysPath, KeysAsync);
    }

    private async Task LoginAsync(HttpContext context, string path, string idProperty)
    {
        if (await TokenRequestHandledAsync(context, path))
        {
            return;
        }

        var json = await EmulatorHttp.ReadJsonObjectAsync(context);
        var userId = EmulatorHttp.GetString(json, "userid");
        var password = EmulatorHttp.GetString(json, "password");
        if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(password))
        {
            await RefuseAsync(context, RejectionReason.BadRequest, StatusCodes.Status400BadRequest,
                "CTGKM6002E", "CTGKM6002E Bad request: a JSON body with userid and password is required.");
            return;
        }

        if (!_users.TryGetValue(userId, out var expected) || !string.Equals(expected, password, StringComparison.Ordinal))
        {
            await RefuseAsync(context, RejectionReason.BadCredentials, StatusCodes.Status401Unauthorized,
                "CTGKM6003E", "CTGKM6003E Login failed. Verify that the user name and password are correct.");
            return;
        }

        var id = Guid.NewGuid().ToString();
        RecordIssued(id, Issuer, userId, path == LoginPath ? "login" : "accessToken", Time.GetUtcNow(), expiresAt: null, IdleTimeout);
        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject { [idProperty] = id });
    }

    private async Task ObjectsAsync(HttpContext context)
    {
        if (!await AuthorizeAsync(context))
        {
            return;
        }

        var created = Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var objects = new JsonArray();
        for (var i = 0; i < 2; i++)
        {
            objects.Add(new JsonObject
            {
                ["uuid"] = $"KEY-sandbox-{i:D4}",
                ["alias"] = $"sandbox-aes-{i}",
                ["objectType"] = "SYMMETRIC_KEY",
                ["algorithm"] = "AES",
                ["keySize"] = 256,
                ["state"] = "ACTIVE",
                ["creationDate"] = created,
            });
        }

        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["managedObject"] = objects });
    }

    private async Task KeysAsync(HttpContext context)
    {
        if (!await AuthorizeAsync(context))
        {
            return;
        }

        var keys = new JsonArray();
        for (var i = 0; i < 2; i++)
        {
            keys.Add(new JsonObject
            {
                ["alias"] = $"sandbox-aes-{i}",
                ["uuid"] = $"KEY-sandbox-{i:D4}",
                ["keyStoreName"] = "defaultKeyStore",
                ["keyAlgorithm"] = "AES",
                ["keySize"] = "256",
                ["owner"] = SandboxDefaults.SklmUserId,
            });
        }

        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, keys);
    }

    private async Task<bool> AuthorizeAsync(HttpContext context)
    {
        if (await ApiRequestHandledAsync(context))
        {
            return false;
        }

        var header = context.Request.Headers.Authorization.ToString();
        RejectionReason reason;
        if (header.Length == 0)
        {
            reason = RejectionReason.MissingHeader;
        }
        else if (!header.StartsWith(AuthorizationPrefix, StringComparison.Ordinal) || header.Length == AuthorizationPrefix.Length)
        {
            reason = RejectionReason.MalformedHeader;
        }
        else if (Tokens.TryUse(header[AuthorizationPrefix.Length..], Issuer, Time.GetUtcNow(), out reason, out _))
        {
            return true;
        }

        await RefuseAsync(context, reason, StatusCodes.Status401Unauthorized,
            "CTGKM6004E", "CTGKM6004E User authentication failed. The user authentication ID is not valid or has expired; log in again.");
        return false;
    }

    private Task RefuseAsync(HttpContext context, RejectionReason reason, int status, string code, string message) =>
        RefuseAsync(context, reason, status, new JsonObject { ["code"] = code, ["message"] = message });
}
