namespace AuthProxy.Tokens.CloudPak;

/// <summary>
/// <c>Cp4dAuthorize</c>: <c>POST {Url}/icp4d-api/v1/authorize</c> with <c>{"username","api_key"}</c>
/// (or <c>{"username","password"}</c> when <c>Password</c> is set); the reply's <c>token</c> (a JWT whose
/// <c>exp</c> gives the lifetime) is sent upstream as <c>Bearer</c>.
/// </summary>
internal sealed class Cp4dAuthorizeSource : ITokenSource
{
    private readonly TokenProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly TokenEndpointClient _client;
    private readonly Uri _authorizeUrl;
    private readonly string _username;
    private readonly Secret _apiKey;
    private readonly Secret _password;

    public Cp4dAuthorizeSource(TokenProviderOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _authorizeUrl = CloudPakUrl.Endpoint(options.Url!, "/icp4d-api/v1/authorize");
        _username = options.Username!;
        _apiKey = new Secret("ApiKey", options.ApiKey, options.ApiKeyFile);
        _password = new Secret("Password", options.Password, options.PasswordFile);
        _client = new TokenEndpointClient(options, time);
    }

    public async Task<TokenResult> FetchAsync(CancellationToken cancellationToken)
    {
        CloudPakCredentials body;
        string secret;
        if (_password.IsConfigured)
        {
            if (!_password.TryRead(out secret, out var error))
            {
                return TokenResult.Fail(TokenFailureKind.Failed, error);
            }

            body = new CloudPakCredentials { Username = _username, Password = secret };
        }
        else
        {
            if (!_apiKey.TryRead(out secret, out var error))
            {
                return TokenResult.Fail(TokenFailureKind.Failed, error);
            }

            body = new CloudPakCredentials { Username = _username, ApiKey = secret };
        }

        return await CloudPakSignin.PostCredentialsAsync(_client, _authorizeUrl, body, secret, _options, _time, cancellationToken);
    }

    public void Dispose() => _client.Dispose();
}
