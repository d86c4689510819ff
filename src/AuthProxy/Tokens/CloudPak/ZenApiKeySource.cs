using System.Text;

namespace AuthProxy.Tokens.CloudPak;

/// <summary>
/// <c>ZenApiKey</c>: nothing is fetched; the header is <c>ZenApiKey base64(username:apikey)</c> (UTF-8).
/// An inline key never expires. A key from <c>ApiKeyFile</c> is given the configured <c>Lifetime</c>
/// instead, so the cache re-reads the file in the background (after <c>RefreshAfter</c> of it) and a
/// rotated key is picked up without restart; an upstream 401 re-reads it at once.
/// </summary>
internal sealed class ZenApiKeySource : ITokenSource
{
    private readonly TokenProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly string _username;
    private readonly Secret _apiKey;

    public ZenApiKeySource(TokenProviderOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _username = options.Username!;
        _apiKey = new Secret("ApiKey", options.ApiKey, options.ApiKeyFile);
    }

    public Task<TokenResult> FetchAsync(CancellationToken cancellationToken)
    {
        if (!_apiKey.TryRead(out var apiKey, out var error))
        {
            return Task.FromResult(TokenResult.Fail(TokenFailureKind.Failed, error));
        }

        var header = "ZenApiKey " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_username}:{apiKey}"));
        var now = _time.GetUtcNow();
        var expiresAt = _apiKey.File is null ? DateTimeOffset.MaxValue : now + _options.Lifetime;
        return Task.FromResult<TokenResult>(AccessToken.Create(header, now, now, expiresAt, _options.RefreshAfter, _options.ExpiryWindow));
    }

    public void Dispose()
    {
    }
}
