namespace AuthProxy.Tokens.Sklm;

/// <summary>
/// <c>SklmLogin</c>: <c>POST {Url}/SKLM/rest/v1/ckms/login</c> with <c>{"userid","password"}</c>;
/// the reply's <c>userAuthId</c> is sent upstream as <c>SKLMAuth userAuthId=…</c>.
/// </summary>
internal sealed class SklmLoginSource(TokenProviderOptions options, TimeProvider time) : ITokenSource
{
    private readonly SklmEndpoint _endpoint = new(options, time);

    public Task<TokenResult> FetchAsync(CancellationToken cancellationToken) =>
        _endpoint.LoginAsync(HttpMethod.Post, "login", cancellationToken);

    public void Dispose() => _endpoint.Dispose();
}
