namespace AuthProxy.Tokens.CloudPak;

/// <summary>
/// <c>Cp4dSignin</c>: <c>POST {Url}/v1/preauth/signin</c> with <c>{"username","password"}</c> (LDAP users);
/// the reply's <c>token</c> (a JWT whose <c>exp</c> gives the lifetime) is sent upstream as <c>Bearer</c>.
/// </summary>
internal sealed class Cp4dSigninSource : ITokenSource
{
    private readonly TokenProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly TokenEndpointClient _client;
    private readonly Uri _signinUrl;
    private readonly string _username;
    private readonly Secret _password;

    public Cp4dSigninSource(TokenProviderOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _signinUrl = CloudPakUrl.Endpoint(options.Url!, "/v1/preauth/signin");
        _username = options.Username!;
        _password = new Secret("Password", options.Password, options.PasswordFile);
        _client = new TokenEndpointClient(options, time);
    }

    public async Task<TokenResult> FetchAsync(CancellationToken cancellationToken)
    {
        if (!_password.TryRead(out var password, out var error))
        {
            return TokenResult.Fail(TokenFailureKind.Failed, error);
        }

        return await CloudPakSignin.PostCredentialsAsync(_client, _signinUrl, new CloudPakCredentials { Username = _username, Password = password },
            password, _options, _time, cancellationToken);
    }

    public void Dispose() => _client.Dispose();
}
