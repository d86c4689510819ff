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
public sealed class SklmEmulator : IAsyncDisposable
{
    public const string LoginPath = "/SKLM/rest/v1/ckms/login";
    public const string AccessTokenPath = "/SKLM/rest/v1/ckms/accessToken";
    public const string ObjectsPath = "/SKLM/rest/v1/objects";
    public const string KeysPath = "/SKLM/rest/v1/ckms/keys";

    /// <summary>Issuer name of SKLM session ids in <see cref="IssuedTokenStore"/>.</summary>
    public const string Issuer = "sklm";

    private const string AuthorizationPrefix = "SKLMAuth userAuthId=";

    private readonly Dictionary<string, string> _users;
    private readonly TimeProvider _time;
    private EmulatorHost? _host;
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private long _idleTicks;

    private SklmEmulator(SklmEmulatorOptions options)
    {
        _users = new Dictionary<string, string>(options.Users, StringComparer.Ordinal);
        _time = options.TimeProvider ?? TimeProvider.System;
        Tokens = options.Tokens ?? new IssuedTokenStore();
        IdleTimeout = options.IdleTimeout;
        BeforeToken = options.BeforeToken;
        BeforeApi = options.BeforeApi;
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:8094</c> (the <c>Url</c> of the SKLM providers).</summary>
    public string Url => _host?.Url ?? "";

    public IssuedTokenStore Tokens { get; }

    public EmulatorCounters Counters { get; } = new();

    /// <summary>Idle timeout of session ids issued from now on.</summary>
    public TimeSpan IdleTimeout
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _idleTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _idleTicks, value.Ticks);
        }
    }

    /// <summary>Failure injection before each login; returning <see langword="true"/> means it answered.</summary>
    public Func<HttpContext, Task<bool>>? BeforeToken { get; set; }

    /// <summary>Failure injection before each API request; returning <see langword="true"/> means it answered.</summary>
    public Func<HttpContext, Task<bool>>? BeforeApi { get; set; }

    /// <summary>Starts an SKLM emulator on 127.0.0.1.</summary>
    public static async Task<SklmEmulator> StartAsync(SklmEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SklmEmulatorOptions();
        var emulator = new SklmEmulator(options);
        emulator._host = await EmulatorHost.StartAsync(options, app =>
        {
            emulator._logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<SklmEmulator>();
            app.MapPost(LoginPath, context => emulator.LoginAsync(context, LoginPath, "userAuthId"));
            app.MapGet(AccessTokenPath, context => emulator.LoginAsync(context, AccessTokenPath, "UserAuthId"));
            app.MapGet(ObjectsPath, emulator.ObjectsAsync);
            app.MapGet(KeysPath, emulator.KeysAsync);
        }, cancellationToken);
        EmulatorLog.Started(emulator._logger, "SKLM", emulator.Url);
        return emulator;
    }

    /// <summary>Ends every session issued so far: they get 401 from now on.</summary>
    public int RevokeAll()
    {
        var count = Tokens.RevokeAll(Issuer);
        EmulatorLog.Revoked(_logger, "SKLM", count);
        return count;
    }

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? default;

    private async Task LoginAsync(HttpContext context, string path, string idProperty)
    {
        Counters.CountTokenRequest(path);
        if (await EmulatorHttp.HookHandledAsync(BeforeToken, context, Counters))
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
        var idle = IdleTimeout;
        Tokens.Add(id, Issuer, userId, _time.GetUtcNow(), expiresAt: null, idle);
        Counters.CountIssued();
        EmulatorLog.Issued(_logger, "SKLM", path == LoginPath ? "login" : "accessToken", userId,
            "after " + idle.ToString("c", CultureInfo.InvariantCulture) + " idle");
        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject { [idProperty] = id });
    }

    private async Task ObjectsAsync(HttpContext context)
    {
        if (!await AuthorizeAsync(context))
        {
            return;
        }

        var created = _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
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
        Counters.CountApiRequest();
        if (await EmulatorHttp.HookHandledAsync(BeforeApi, context, Counters))
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
        else if (Tokens.TryUse(header[AuthorizationPrefix.Length..], Issuer, _time.GetUtcNow(), out reason, out _))
        {
            return true;
        }

        await RefuseAsync(context, reason, StatusCodes.Status401Unauthorized,
            "CTGKM6004E", "CTGKM6004E User authentication failed. The user authentication ID is not valid or has expired; log in again.");
        return false;
    }

    private Task RefuseAsync(HttpContext context, RejectionReason reason, int status, string code, string message)
    {
        Counters.CountRejection(reason);
        EmulatorLog.Refused(_logger, "SKLM", context.Request.Method, context.Request.Path, status, reason);
        return EmulatorHttp.WriteJsonAsync(context, status, new JsonObject { ["code"] = code, ["message"] = message });
    }
}
