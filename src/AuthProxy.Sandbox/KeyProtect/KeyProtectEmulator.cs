using System.Globalization;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Sandbox.KeyProtect;

/// <summary>
/// A Key Protect-like key API: <c>GET/POST /api/v2/keys</c> and <c>GET /api/v2/keys/{id}</c>. Every request needs
/// <c>Authorization: Bearer</c> with a live token of <see cref="KeyProtectEmulatorOptions.TokenIssuer"/> and
/// <c>bluemix-instance</c> naming the instance; refusals use Key Protect's error collection shape.
/// </summary>
public sealed class KeyProtectEmulator : Emulator
{
    public const string KeysPath = "/api/v2/keys";
    public const string KeyMediaType = "application/vnd.ibm.kms.key+json";
    public const string ErrorMediaType = "application/vnd.ibm.kms.error+json";

    private const string UnauthorizedMessage = "Unauthorized: The user does not have access to the specified resource";

    private readonly object _gate = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _callers = new();
    private readonly List<KeyProtectKey> _keys = [];
    private readonly string _issuer;

    private KeyProtectEmulator(KeyProtectEmulatorOptions options)
        : base("Key Protect", options, options.TokenIssuer)
    {
        ArgumentException.ThrowIfNullOrEmpty(options.InstanceId);
        InstanceId = options.InstanceId;
        _issuer = options.TokenIssuer;
        var now = Time.GetUtcNow();
        foreach (var name in options.InitialKeys)
        {
            _keys.Add(new KeyProtectKey(Guid.NewGuid().ToString(), name, Extractable: false, "Created by the sandbox", "sandbox", now));
        }
    }

    public string InstanceId { get; }

    /// <summary>The keys held now, oldest first.</summary>
    public IReadOnlyList<KeyProtectKey> Keys
    {
        get
        {
            lock (_gate)
            {
                return [.. _keys];
            }
        }
    }

    /// <summary>Starts a Key Protect emulator on 127.0.0.1. Give it the IAM emulator's token store (<see cref="EmulatorOptions.Tokens"/>).</summary>
    public static Task<KeyProtectEmulator> StartAsync(KeyProtectEmulatorOptions? options = null, CancellationToken cancellationToken = default) =>
        ListenAsync(new KeyProtectEmulator(options ?? new KeyProtectEmulatorOptions()), cancellationToken);

    private protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(KeysPath, ListAsync);
        endpoints.MapPost(KeysPath, CreateAsync);
        endpoints.MapGet(KeysPath + "/{id}", GetAsync);
    }

    private async Task ListAsync(HttpContext context)
    {
        if (await AuthorizeAsync(context) is null)
        {
            return;
        }

        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 5000) : 200;
        var offset = int.TryParse(query["offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
        var page = Keys.Skip(offset).Take(limit).ToList();
        var body = Collection(KeyMediaType, page.Select(ToJson));
        if (string.Equals(query["totalCount"], "true", StringComparison.OrdinalIgnoreCase))
        {
            body["metadata"]!["totalCount"] = Keys.Count;
        }

        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    private async Task GetAsync(HttpContext context)
    {
        if (await AuthorizeAsync(context) is null)
        {
            return;
        }

        var id = context.Request.RouteValues["id"] as string;
        var key = Keys.FirstOrDefault(k => string.Equals(k.Id, id, StringComparison.OrdinalIgnoreCase));
        if (key is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, "Not Found: The key could not be found", "KEY_NOT_FOUND_ERR");
            return;
        }

        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status200OK, Collection(KeyMediaType, [ToJson(key)]));
    }

    private async Task CreateAsync(HttpContext context)
    {
        if (await AuthorizeAsync(context) is not { } caller)
        {
            return;
        }

        var json = await EmulatorHttp.ReadJsonObjectAsync(context);
        var resource = json?["resources"] is JsonArray { Count: > 0 } resources ? resources[0] as JsonObject : null;
        var name = EmulatorHttp.GetString(resource, "name");
        var type = EmulatorHttp.GetString(resource, "type");
        if (resource is null || string.IsNullOrWhiteSpace(name) || (type is not null && type != KeyMediaType))
        {
            await RefuseAsync(context, RejectionReason.BadRequest, StatusCodes.Status400BadRequest,
                "Bad Request: The request body must hold resources[0] with a name and type " + KeyMediaType, "BAD_BODY_ERR");
            return;
        }

        var extractable = resource["extractable"] is JsonValue value && value.TryGetValue<bool>(out var e) && e;
        var key = new KeyProtectKey(Guid.NewGuid().ToString(), name, extractable, EmulatorHttp.GetString(resource, "description"), caller.Subject, Time.GetUtcNow());
        lock (_gate)
        {
            _keys.Add(key);
        }

        await EmulatorHttp.WriteJsonAsync(context, StatusCodes.Status201Created, Collection(KeyMediaType, [ToJson(key)]));
    }

    /// <summary>Counts the request, runs the hook, checks token and instance. Returns the caller's token, or null when refused.</summary>
    private async Task<IssuedToken?> AuthorizeAsync(HttpContext context)
    {
        if (await ApiRequestHandledAsync(context))
        {
            return null;
        }

        if (!EmulatorHttp.TryGetAuthorization(context, "Bearer", out var credential, out var reason) ||
            !Tokens.TryUse(credential, _issuer, Time.GetUtcNow(), out reason, out var token))
        {
            await RefuseAsync(context, reason, StatusCodes.Status401Unauthorized, UnauthorizedMessage, "UNAUTHORIZED_ERR");
            return null;
        }

        var instance = context.Request.Headers["bluemix-instance"].ToString();
        if (instance.Length == 0)
        {
            await RefuseAsync(context, RejectionReason.MissingInstance, StatusCodes.Status400BadRequest,
                "Bad Request: The 'bluemix-instance' header is required", "BAD_INSTANCE_HEADER_ERR");
            return null;
        }

        if (!string.Equals(instance, InstanceId, StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, RejectionReason.WrongInstance, StatusCodes.Status401Unauthorized, UnauthorizedMessage, "UNAUTHORIZED_ERR");
            return null;
        }

        // Which identity made the call: what Activity Tracker would record as the initiator.
        EmulatorLog.Called(Logger, "Key Protect", context.Request.Method, context.Request.Path, token!.Subject);
        _callers.Enqueue(token.Subject);
        while (_callers.Count > 1000 && _callers.TryDequeue(out _))
        {
        }

        return token;
    }

    /// <summary>The identities (IAM ids) of the last 1000 authorized calls, oldest first.</summary>
    public IReadOnlyList<string> Callers => [.. _callers];

    private Task RefuseAsync(HttpContext context, RejectionReason reason, int status, string message, string code) =>
        RefuseAsync(context, reason, status, Error(status, message, code));

    private static Task WriteErrorAsync(HttpContext context, int status, string message, string code) =>
        EmulatorHttp.WriteJsonAsync(context, status, Error(status, message, code));

    /// <summary>Key Protect's error collection.</summary>
    private static JsonObject Error(int status, string message, string code) => Collection(ErrorMediaType,
    [
        new JsonObject
        {
            ["errorMsg"] = message,
            ["reasons"] = new JsonArray(new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["status"] = status,
                ["moreInfo"] = "https://cloud.ibm.com/apidocs/key-protect",
            }),
        },
    ]);

    private static JsonObject Collection(string collectionType, IEnumerable<JsonObject> resources)
    {
        var array = new JsonArray();
        foreach (var resource in resources)
        {
            array.Add(resource);
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["collectionType"] = collectionType, ["collectionTotal"] = array.Count },
            ["resources"] = array,
        };
    }

    private JsonObject ToJson(KeyProtectKey key)
    {
        var created = key.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var json = new JsonObject
        {
            ["type"] = KeyMediaType,
            ["id"] = key.Id,
            ["name"] = key.Name,
            ["state"] = 1,
            ["extractable"] = key.Extractable,
            ["crn"] = $"crn:v1:bluemix:public:kms:us-south:a/sandbox-account:{InstanceId}:key:{key.Id}",
            ["imported"] = false,
            ["creationDate"] = created,
            ["createdBy"] = key.CreatedBy,
            ["algorithmType"] = "AES",
            ["algorithmMetadata"] = new JsonObject { ["bitLength"] = "256", ["mode"] = "CBC_PAD" },
            ["lastUpdateDate"] = created,
            ["dualAuthDelete"] = new JsonObject { ["enabled"] = false },
            ["deleted"] = false,
        };
        if (key.Description is not null)
        {
            json["description"] = key.Description;
        }

        return json;
    }
}
