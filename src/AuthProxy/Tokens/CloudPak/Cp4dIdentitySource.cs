using AuthProxy.Tokens.Iam;

namespace AuthProxy.Tokens.CloudPak;

/// <summary>
/// <c>Cp4dIdentity</c>: two steps. The Cloud Pak foundational services identity provider exchanges
/// user name and password for an IAM access token (<c>POST {IdentityUrl}/idprovider/v1/auth/identitytoken</c>,
/// form <c>grant_type=password&amp;scope=openid</c>); the platform's <c>GET {Url}/v1/preauth/validateAuth</c>
/// (headers <c>username</c> and <c>iam-token</c>) turns it into a platform token, sent upstream as <c>Bearer</c>.
/// </summary>
internal sealed class Cp4dIdentitySource : ITokenSource
{
    private readonly TokenProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly TokenEndpointClient _client;
    private readonly Uri _identityTokenUrl;
    private readonly Uri _validateAuthUrl;
    private readonly string _username;
    private readonly Secret _password;

    public Cp4dIdentitySource(TokenProviderOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        var identityUrl = string.IsNullOrWhiteSpace(options.IdentityUrl) ? options.Url! : options.IdentityUrl;
        _identityTokenUrl = CloudPakUrl.Endpoint(identityUrl, "/idprovider/v1/auth/identitytoken");
        _validateAuthUrl = CloudPakUrl.Endpoint(options.Url!, "/v1/preauth/validateAuth");
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

        var identityRequest = new HttpRequestMessage(HttpMethod.Post, _identityTokenUrl)
        {
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "password"),
                new("username", _username),
                new("password", password),
                new("scope", "openid"),
            ]),
        };

        // The identity provider answers in IAM's shape.
        var (identity, failure) = await _client.SendAsync(identityRequest, TokenJsonContext.Default.IamTokenReply, [password], cancellationToken);
        failure ??= string.IsNullOrEmpty(identity!.AccessToken) ? TokenEndpointClient.MissingField("access_token") : null;
        if (failure is not null)
        {
            return failure with { Reason = "identity token request: " + failure.Reason };
        }

        var iamToken = identity!.AccessToken!;
        var validateRequest = new HttpRequestMessage(HttpMethod.Get, _validateAuthUrl);
        validateRequest.Headers.Add("username", _username);
        validateRequest.Headers.Add("iam-token", iamToken);
        var (reply, validateFailure) = await _client.SendAsync(validateRequest, TokenJsonContext.Default.CloudPakTokenReply,
            [password, iamToken], cancellationToken);
        if (validateFailure is not null)
        {
            return validateFailure with { Reason = "validateAuth: " + validateFailure.Reason };
        }

        var token = string.IsNullOrEmpty(reply!.Token) ? reply.AccessToken : reply.Token;
        if (string.IsNullOrEmpty(token))
        {
            var missing = TokenEndpointClient.MissingField("token", "accessToken");
            return missing with { Reason = "validateAuth: " + missing.Reason };
        }

        return TokenLifetime.Create("Bearer " + token, token, null, null, _options, _time.GetUtcNow());
    }

    public void Dispose() => _client.Dispose();
}
