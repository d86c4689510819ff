using System.Net.Http.Headers;

namespace AuthProxy.Tokens.Iam;

/// <summary>
/// What every IAM grant shares: the token URL, the form POST and the reply (<c>access_token</c>,
/// <c>expires_in</c>, <c>expiration</c>) turned into a <c>Bearer</c> token. Each grant only builds its form.
/// </summary>
internal sealed class IamTokenEndpoint : IDisposable
{
    internal const string DefaultTokenUrl = "https://iam.cloud.ibm.com/identity/token";

    private readonly TokenProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly TokenEndpointClient _client;

    public IamTokenEndpoint(TokenProviderOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        TokenUrl = ResolveTokenUrl(options.TokenUrl);
        _client = new TokenEndpointClient(options, time);
    }

    /// <summary>The full token URL the form is posted to.</summary>
    public Uri TokenUrl { get; }

    /// <summary>
    /// The full token URL. IBM's SDKs take a base URL; when the configured URL has no path,
    /// <c>/identity/token</c> is appended.
    /// </summary>
    internal static Uri ResolveTokenUrl(string? configured)
    {
        var url = new Uri(string.IsNullOrWhiteSpace(configured) ? DefaultTokenUrl : configured, UriKind.Absolute);
        return url.AbsolutePath is "" or "/" ? new Uri(url, "/identity/token") : url;
    }

    /// <summary>Posts <paramref name="form"/> and returns the <c>Bearer</c> token or why there is none.</summary>
    /// <param name="form">The grant's form fields.</param>
    /// <param name="authorization">Client authentication (Basic), if the grant uses it.</param>
    /// <param name="secrets">Every secret in the request, scrubbed from error texts.</param>
    /// <param name="cancellationToken">Fires on timeout or shutdown.</param>
    public async Task<TokenResult> RequestAsync(IEnumerable<KeyValuePair<string, string>> form, AuthenticationHeaderValue? authorization,
        IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var (reply, failure) = await PostAsync(form, authorization, secrets, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        return TokenLifetime.Create("Bearer " + reply!.AccessToken, reply.AccessToken, reply.ExpiresIn, reply.Expiration,
            _options, _time.GetUtcNow());
    }

    /// <summary>
    /// Posts <paramref name="form"/> and returns the reply's <c>access_token</c> itself, for a grant whose token is the input
    /// of another request (the first step of <c>IamAssume</c>).
    /// </summary>
    public async Task<(string? AccessToken, TokenFailure? Failure)> RequestAccessTokenAsync(IEnumerable<KeyValuePair<string, string>> form,
        IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var (reply, failure) = await PostAsync(form, authorization: null, secrets, cancellationToken);
        return (reply?.AccessToken, failure);
    }

    private async Task<(IamTokenReply? Reply, TokenFailure? Failure)> PostAsync(IEnumerable<KeyValuePair<string, string>> form,
        AuthenticationHeaderValue? authorization, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, TokenUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = authorization;
        var (reply, failure) = await _client.SendAsync(request, TokenJsonContext.Default.IamTokenReply, secrets, cancellationToken);
        if (failure is not null)
        {
            return (null, failure);
        }

        return string.IsNullOrEmpty(reply!.AccessToken) ? (null, TokenEndpointClient.MissingField("access_token")) : (reply, null);
    }

    public void Dispose() => _client.Dispose();
}
