namespace AuthProxy.Tokens.Iam;

/// <summary>
/// <c>IamAssume</c>: two requests to the IAM token URL. The <c>IamApiKey</c> grant turns the API key into an access token;
/// the <c>assume</c> grant (<c>grant_type=urn:ibm:params:oauth:grant-type:assume&amp;access_token=…</c> with
/// <c>profile_id</c>, <c>profile_crn</c> or <c>profile_name</c> + <c>account</c>) turns that into the trusted profile's
/// token, sent upstream as <c>Bearer</c>. Either step failing is one failed fetch whose reason names the step.
/// </summary>
internal sealed class IamAssumeSource : ITokenSource
{
    internal const string ApiKeyGrant = "urn:ibm:params:oauth:grant-type:apikey";
    internal const string AssumeGrant = "urn:ibm:params:oauth:grant-type:assume";

    /// <summary>The prefix of a failure of the first request.</summary>
    internal const string ApiKeyStep = "API key token request";

    /// <summary>The prefix of a failure of the second request.</summary>
    internal const string AssumeStep = "assume request";

    private readonly TokenProviderOptions _options;
    private readonly IamTokenEndpoint _endpoint;
    private readonly Secret _apiKey;

    public IamAssumeSource(TokenProviderOptions options, TimeProvider time)
    {
        _options = options;
        _apiKey = new Secret("ApiKey", options.ApiKey, options.ApiKeyFile);
        _endpoint = new IamTokenEndpoint(options, time);
    }

    public async Task<TokenResult> FetchAsync(CancellationToken cancellationToken)
    {
        if (!_apiKey.TryRead(out var apiKey, out var error))
        {
            return TokenResult.Fail(TokenFailureKind.Failed, error);
        }

        var apiKeyForm = new List<KeyValuePair<string, string>>(3) { new("grant_type", ApiKeyGrant), new("apikey", apiKey) };
        if (!string.IsNullOrEmpty(_options.Scope))
        {
            apiKeyForm.Add(new("scope", _options.Scope));
        }

        var first = await _endpoint.RequestAccessTokenAsync(apiKeyForm, [apiKey], cancellationToken);
        if (first.Failure is { } firstFailure)
        {
            return firstFailure with { Reason = $"{ApiKeyStep}: {firstFailure.Reason}" };
        }

        var accessToken = first.AccessToken!;
        var assumeForm = new List<KeyValuePair<string, string>>(4) { new("grant_type", AssumeGrant), new("access_token", accessToken) };
        if (!string.IsNullOrEmpty(_options.ProfileId))
        {
            assumeForm.Add(new("profile_id", _options.ProfileId));
        }
        else if (!string.IsNullOrEmpty(_options.ProfileCrn))
        {
            assumeForm.Add(new("profile_crn", _options.ProfileCrn));
        }
        else
        {
            assumeForm.Add(new("profile_name", _options.ProfileName!));
            assumeForm.Add(new("account", _options.AccountId!));
        }

        var result = await _endpoint.RequestAsync(assumeForm, authorization: null, [apiKey, accessToken], cancellationToken);
        return result.Succeeded ? result : result.Failure with { Reason = $"{AssumeStep}: {result.Failure.Reason}" };
    }

    public void Dispose() => _endpoint.Dispose();
}
