namespace AuthProxy.Tokens.CloudPak;

/// <summary><c>ZenApiKey</c>: nothing fetched; the header is computed from the user name and the API key.</summary>
internal sealed class ZenApiKeyType : TokenProviderType
{
    public override string Name => "ZenApiKey";

    public override string Summary => "a Cloud Pak user name and API key sent as ZenApiKey base64(username:apikey), nothing fetched";

    public override IReadOnlyList<string> Options { get; } = ["Username", "ApiKey", "ApiKeyFile"];

    public override IReadOnlyList<string> SecretOptions { get; } = ["ApiKey"];

    public override bool CallsAnEndpoint => false;

    public override void Validate(TokenProviderOptions options, TokenProviderTypes.Report report)
    {
        TokenProviderTypes.Require(options.Username, "Username", report);
        TokenProviderTypes.RequireSecret(options.ApiKey, options.ApiKeyFile, "ApiKey", report);
    }

    public override ITokenSource Create(TokenProviderOptions options, TimeProvider time) => new ZenApiKeySource(options, time);

    public override IReadOnlyDictionary<string, string> Sample(string baseUrl, string secret, Func<string, string, string> writeFile) =>
        new Dictionary<string, string> { ["Username"] = "admin", ["ApiKey"] = secret };
}
