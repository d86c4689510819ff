using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;

namespace AuthProxy.Tests.Tokens;

/// <summary>Options, fake replies and helpers shared by the token provider tests.</summary>
internal static class ProviderTestKit
{
    /// <summary>The secret every test provider uses (API key, password or CR token); it must never show up in a failure.</summary>
    public const string SecretValue = "Sup3r-Secret-Value-0123456789";

    /// <summary>The registered provider types that call a token endpoint.</summary>
    public static readonly string[] HttpTypes = [.. TokenProviderTypes.All.Where(t => t.CallsAnEndpoint).Select(t => t.Name)];

    /// <summary>Minimal valid options of <paramref name="type"/> pointing at <paramref name="url"/>: the type's own sample.</summary>
    public static TokenProviderOptions OptionsFor(string type, string url, TempDirectory files, string secret = SecretValue)
    {
        var descriptor = TokenProviderTypes.Find(type) ?? throw new ArgumentOutOfRangeException(nameof(type), type, null);
        var settings = descriptor.Sample(url, secret, files.Write).Append(new("Type", type));
        var options = new TokenProviderOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build().Bind(options);
        return options;
    }

    public static ITokenSource Create(TokenProviderOptions options, TimeProvider? time = null) =>
        TokenProviderTypes.CreateSource(options, time ?? new FakeTimeProvider(TestClock.Start));

    /// <summary>One fetch, bounded by the test timeout.</summary>
    public static async Task<TokenResult> FetchOnceAsync(this ITokenSource source)
    {
        using var cts = TestTimeouts.Cts();
        return await source.FetchAsync(cts.Token);
    }

    /// <summary>
    /// What each provider type's endpoints answer on success, <paramref name="token"/> as the credential, by path prefix;
    /// the first prefix that matches wins, and the last (Cloud Pak's sign-in replies) matches every path.
    /// </summary>
    public static (string PathPrefix, object Reply)[] SuccessReplies(string token) =>
    [
        ("/identity/token", new { access_token = token, expires_in = 3600 }),
        ("/idprovider/v1/auth/identitytoken", new { access_token = "iam-token-for-validate", expires_in = 3600 }),
        ("/SKLM/", new { userAuthId = token }),
        ("/instance_identity/", new { access_token = token, expires_in = 3600 }),
        ("/oauth2/", new { access_token = token, token_type = "Bearer", expires_in = 3600 }),
        ("/", new { _messageCode_ = "200", message = "success", token }),
    ];

    /// <summary><see cref="SuccessReplies"/> as a <see cref="FakeServer"/> handler, for token endpoints behind a real proxy.</summary>
    public static Func<HttpContext, RecordedRequest, Task> Succeed(string token = "tok-1") => (context, request) =>
        FakeIam.Json(context, 200, SuccessReplies(token).First(r => request.Path.StartsWith(r.PathPrefix, StringComparison.Ordinal)).Reply);

    /// <summary>Answers with a large JSON-looking body, with or without Content-Length.</summary>
    public static Func<HttpContext, RecordedRequest, Task> Large(int bytes, bool withContentLength) => async (context, _) =>
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        if (withContentLength)
        {
            context.Response.ContentLength = bytes;
        }

        var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
        chunk[0] = (byte)'{';
        try
        {
            for (var sent = 0; sent < bytes; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, bytes - sent)), context.RequestAborted);
                chunk[0] = (byte)' ';
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client stopped reading, as it should.
        }
    };

    /// <summary>An unsigned JWT carrying <c>exp</c> (and <c>iat</c>): lifetimes are read without a signature check.</summary>
    public static string Jwt(DateTimeOffset expiresAt, DateTimeOffset? issuedAt = null)
    {
        var header = Base64Url.EncodeToString("""{"alg":"none","typ":"JWT"}"""u8);
        var claims = new Dictionary<string, object> { ["sub"] = "admin", ["exp"] = expiresAt.ToUnixTimeSeconds() };
        if (issuedAt is { } iat)
        {
            claims["iat"] = iat.ToUnixTimeSeconds();
        }

        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        return $"{header}.{payload}.c2lnbmF0dXJl";
    }
}
