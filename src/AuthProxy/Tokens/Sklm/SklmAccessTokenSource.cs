namespace AuthProxy.Tokens.Sklm;

/// <summary>
/// <c>SklmAccessToken</c> (SKLM with an OIDC user registry): <c>GET {Url}/SKLM/rest/v1/ckms/accessToken</c>
/// with a JSON body <c>{"userid","password"}</c>; the reply's <c>UserAuthId</c> is sent upstream as
/// <c>SKLMAuth userAuthId=…</c>.
/// </summary>
internal sealed class SklmAccessTokenSource(TokenProviderOptions options, TimeProvider time) : ITokenSource
{
    private readonly SklmEndpoint _endpoint = new(options, time);

    public Task<TokenResult> FetchAsync(CancellationToken cancellationToken) =>
        _endpoint.LoginAsync(HttpMethod.Get, "accessToken", cancellationToken);

    public void Dispose() => _endpoint.Dispose();
}
