using System.Net.Http.Headers;
using System.Text;

namespace AuthProxy.Tokens.Iam;

/// <summary>
/// <c>IamApiKey</c>: exchanges an IBM Cloud API key for an IAM access token
/// (<c>grant_type=urn:ibm:params:oauth:grant-type:apikey</c>), sent upstream as <c>Bearer</c>.
/// Optional <c>Scope</c>, and <c>ClientId</c>/<c>ClientSecret</c> sent as Basic authentication.
/// </summary>
internal sealed class IamApiKeySource : ITokenSource
{
    private const string GrantType = "urn:ibm:params:oauth:grant-type:apikey";

    private readonly TokenProviderOptions _options;
    private readonly IamTokenEndpoint _endpoint;
    private readonly Secret _apiKey;
    private readonly Secret _clientSecret;

    public IamApiKeySource(TokenProviderOptions options, TimeProvider time)
    {
        _options = options;
        _apiKey = new Secret("ApiKey", options.ApiKey, options.ApiKeyFile);
        _clientSecret = new Secret("ClientSecret", options.ClientSecret, options.ClientSecretFile);
        _endpoint = new IamTokenEndpoint(options, time);
    }

    public Task<TokenResult> FetchAsync(CancellationToken cancellationToken)
    {
        if (!_apiKey.TryRead(out var apiKey, out var error))
        {
            return Task.FromResult(TokenResult.Fail(TokenFailureKind.Failed, error));
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

        var secrets = new List<string>(2) { apiKey };
        AuthenticationHeaderValue? authorization = null;
        if (!string.IsNullOrEmpty(_options.ClientId))
        {
            if (!_clientSecret.TryRead(out var clientSecret, out error))
            {
                return Task.FromResult(TokenResult.Fail(TokenFailureKind.Failed, error));
            }

            secrets.Add(clientSecret);
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.ClientId}:{clientSecret}"));
            authorization = new AuthenticationHeaderValue("Basic", basic);
        }

        return _endpoint.RequestAsync(form, authorization, secrets, cancellationToken);
    }

    public void Dispose() => _endpoint.Dispose();
}
