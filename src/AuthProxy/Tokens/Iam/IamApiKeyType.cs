namespace AuthProxy.Tokens.Iam;

/// <summary><c>IamApiKey</c>: an IBM Cloud API key exchanged at IAM for a Bearer token.</summary>
internal sealed class IamApiKeyType : TokenProviderType
{
    public override string Name => "IamApiKey";

    public override string Summary => "an IBM Cloud API key exchanged at IAM (grant urn:ibm:params:oauth:grant-type:apikey) for a Bearer token";

    public override IReadOnlyList<string> Options { get; } = ["ApiKey", "ApiKeyFile", "TokenUrl", "Scope", "ClientId", "ClientSecret", "ClientSecretFile"];

    public override IReadOnlyList<string> SecretOptions { get; } = ["ApiKey", "ClientSecret"];

    public override void Validate(TokenProviderOptions options, TokenProviderTypes.Report report)
    {
        TokenProviderTypes.RequireSecret(options.ApiKey, options.ApiKeyFile, "ApiKey", report);
        TokenProviderTypes.CheckUrl(options.TokenUrl, "TokenUrl", report);
        if (!string.IsNullOrEmpty(options.ClientId))
        {
            TokenProviderTypes.RequireSecret(options.ClientSecret, options.ClientSecretFile, "ClientSecret", report);
        }
        else if (!string.IsNullOrEmpty(options.ClientSecret) || !string.IsNullOrWhiteSpace(options.ClientSecretFile))
        {
            report("ClientId", "ClientId and ClientSecret must be set together");
        }
    }

    public override ITokenSource Create(TokenProviderOptions options, TimeProvider time) => new IamApiKeySource(options, time);

    public override IReadOnlyDictionary<string, string> Sample(string baseUrl, string secret, Func<string, string, string> writeFile) =>
        new Dictionary<string, string> { ["ApiKey"] = secret, ["TokenUrl"] = baseUrl + "/identity/token" };
}
