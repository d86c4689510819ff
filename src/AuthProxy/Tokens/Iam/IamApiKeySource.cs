using System.Net.Http.Headers;
using System.Text;

namespace AuthProxy.Tokens.Iam;

/// <summary>
/// <c>IamApiKey</c>: exchanges an IBM Cloud API key for an IAM access token
/// (<c>grant_type=urn:ibm:params:oauth:grant-type:apikey</c>), sent upstream as <c>Bearer</c>.
/// </summary>
internal sealed class IamApiKeySource : ITokenSource
{
    internal const string DefaultTokenUrl = "https://iam.cloud.ibm.com/identity/token";
    private const string GrantType = "urn:ibm:params:oauth:grant-type:apikey";

    private readonly TokenProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly TokenEndpointClient _client;
    private readonly Uri _tokenUrl;
    private readonly Secret _apiKey;
    private readonly Secret _clientSecret;

    public IamApiKeySource(TokenProviderOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _tokenUrl = ResolveTokenUrl(options.TokenUrl);
        _apiKey = new Secret("ApiKey", options.ApiKey, options.ApiKeyFile);
        _clientSecret = new Secret("ClientSecret", options.ClientSecret, options.ClientSecretFile);
        _client = new TokenEndpointClient(options, time);
    }

    /// <summary>
    /// The full token URL. IBM's SDKs take a base URL; when the configured URL has no path,
    /// <c>/identity/token</c> is appended.
    /// </summary>
    internal static Uri ResolveTokenUrl(string? configured)
    {
        var url = new Uri(string.IsNullOrWhiteSpace(configured) ? DefaultTokenUrl : configured, UriKind.Absolute);
        return url.AbsolutePath is "" or "/" ? new Uri(url, "/identity/token") : url;
    }

    public async Task<TokenResult> FetchAsync(CancellationToken cancellationToken)
    {
        if (!_apiKey.TryRead(out var apiKey, out var error))
        {
            return TokenResult.Fail(TokenFailureKind.Failed, error);
        }

        var form = new List<KeyValuePair<string, string>>(3)
        {
            new("grant_type", GrantType),
            new("apikey", apiKey),
        };
        if (!string.IsNullOrEmpty(_options.Scope))
        {
            form.Add(new("scope", _options.Scope));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _tokenUrl) { Content = new FormUrlEncodedContent(form) };
        var secrets = new List<string>(2) { apiKey };
        if (!string.IsNullOrEmpty(_options.ClientId))
        {
            if (!_clientSecret.TryRead(out var clientSecret, out error))
            {
                request.Dispose();
                return TokenResult.Fail(TokenFailureKind.Failed, error);
            }

            secrets.Add(clientSecret);
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.ClientId}:{clientSecret}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }

        var (reply, failure) = await _client.SendAsync(request, TokenJsonContext.Default.IamTokenReply, secrets, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        if (string.IsNullOrEmpty(reply!.AccessToken))
        {
            return TokenEndpointClient.MissingField("access_token");
        }

        return TokenLifetime.Create("Bearer " + reply.AccessToken, reply.AccessToken, reply.ExpiresIn, reply.Expiration,
            _options, _time.GetUtcNow());
    }

    public void Dispose() => _client.Dispose();
}
