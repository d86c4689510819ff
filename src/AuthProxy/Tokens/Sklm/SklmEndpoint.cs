namespace AuthProxy.Tokens.Sklm;

/// <summary>
/// What both SKLM logins share: the user id and password sent as JSON to a <c>/SKLM/rest/v1/ckms/…</c>
/// endpoint, and the <c>userAuthId</c> reply turned into <c>SKLMAuth userAuthId=…</c>. The reply states
/// no lifetime, so the token lives for the configured <c>Lifetime</c> (default 20 minutes).
/// </summary>
internal sealed class SklmEndpoint : IDisposable
{
    private readonly TokenProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly TokenEndpointClient _client;
    private readonly string _root;
    private readonly string _userId;
    private readonly Secret _password;

    public SklmEndpoint(TokenProviderOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _root = Root(options.Url!);
        _userId = options.UserId!;
        _password = new Secret("Password", options.Password, options.PasswordFile);
        _client = new TokenEndpointClient(options, time);
    }

    /// <summary>The server URL without trailing slashes or a trailing <c>/SKLM</c>, so that segment is never doubled.</summary>
    internal static string Root(string url)
    {
        var root = url.TrimEnd('/');
        return root.EndsWith("/SKLM", StringComparison.OrdinalIgnoreCase) ? root[..^"/SKLM".Length] : root;
    }

    /// <summary>Sends the credentials to <c>{Url}/SKLM/rest/v1/ckms/{endpoint}</c> and reads the session id.</summary>
    public async Task<TokenResult> LoginAsync(HttpMethod method, string endpoint, CancellationToken cancellationToken)
    {
        if (!_password.TryRead(out var password, out var error))
        {
            return TokenResult.Fail(TokenFailureKind.Failed, error);
        }

        // ckms/accessToken takes its JSON body on a GET, as IBM documents it.
        var request = new HttpRequestMessage(method, new Uri($"{_root}/SKLM/rest/v1/ckms/{endpoint}", UriKind.Absolute))
        {
            Content = TokenEndpointClient.JsonContent(new SklmCredentials { UserId = _userId, Password = password },
                TokenJsonContext.Default.SklmCredentials),
        };
        var (reply, failure) = await _client.SendAsync(request, TokenJsonContext.Default.SklmLoginReply, [password], cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        if (string.IsNullOrEmpty(reply!.UserAuthId))
        {
            return TokenEndpointClient.MissingField("userAuthId");
        }

        return TokenLifetime.Create("SKLMAuth userAuthId=" + reply.UserAuthId, rawToken: null, expiresIn: null, expiration: null,
            _options, _time.GetUtcNow());
    }

    public void Dispose() => _client.Dispose();
}
