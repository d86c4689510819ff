using System.Net.Http.Headers;
using System.Text;

namespace AuthProxy.Tokens.OAuth2;

/// <summary>
/// <c>OAuth2ClientCredentials</c>: the client credentials grant of RFC 6749 §4.4 at any OAuth 2.0 server.
/// <c>POST {TokenUrl}</c> with the form <c>grant_type=client_credentials</c> plus <c>scope</c>, <c>audience</c> and the
/// configured <c>Parameters</c>; the client authenticates with HTTP Basic (§2.3.1: id and secret form-encoded, then
/// base64) or, with <c>ClientAuthentication: Body</c>, with <c>client_id</c> and <c>client_secret</c> in the form.
/// The reply's <c>access_token</c> goes upstream as <c>Bearer</c>; its lifetime is <c>expires_in</c>, else the JWT <c>exp</c>.
/// </summary>
internal sealed class OAuth2ClientCredentialsSource : ITokenSource
{
    internal const string BasicAuthentication = "Basic";
    internal const string BodyAuthentication = "Body";

    private readonly TokenProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly TokenEndpointClient _client;
    private readonly Uri _tokenUrl;
    private readonly Secret _clientSecret;
    private readonly bool _inBody;

    public OAuth2ClientCredentialsSource(TokenProviderOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _tokenUrl = new Uri(options.TokenUrl!, UriKind.Absolute);
        _clientSecret = new Secret("ClientSecret", options.ClientSecret, options.ClientSecretFile);
        _inBody = string.Equals(options.ClientAuthentication, BodyAuthentication, StringComparison.OrdinalIgnoreCase);
        _client = new TokenEndpointClient(options, time);
    }

    public async Task<TokenResult> FetchAsync(CancellationToken cancellationToken)
    {
        if (!_clientSecret.TryRead(out var clientSecret, out var error))
        {
            return TokenResult.Fail(TokenFailureKind.Failed, error);
        }

        var clientId = _options.ClientId!;
        var form = new List<KeyValuePair<string, string>>(6) { new("grant_type", "client_credentials") };
        if (!string.IsNullOrEmpty(_options.Scope))
        {
            form.Add(new("scope", _options.Scope));
        }

        if (!string.IsNullOrEmpty(_options.Audience))
        {
            form.Add(new("audience", _options.Audience));
        }

        foreach (var (name, value) in _options.Parameters ?? [])
        {
            form.Add(new(name, value));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _tokenUrl);
        if (_inBody)
        {
            form.Add(new("client_id", clientId));
            form.Add(new("client_secret", clientSecret));
        }
        else
        {
            var pair = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }

        request.Content = new FormUrlEncodedContent(form);
        var (reply, failure) = await _client.SendAsync(request, TokenJsonContext.Default.IamTokenReply, [clientSecret], cancellationToken);
        failure ??= string.IsNullOrEmpty(reply!.AccessToken) ? TokenEndpointClient.MissingField("access_token") : null;
        if (failure is not null)
        {
            return failure;
        }

        return TokenLifetime.Create("Bearer " + reply!.AccessToken, reply.AccessToken, reply.ExpiresIn, reply.Expiration, _options, _time.GetUtcNow());
    }

    public void Dispose() => _client.Dispose();
}
