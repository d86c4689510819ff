namespace AuthProxy.Tokens.CloudPak;

/// <summary><c>Cp4dAuthorize</c>: a Cloud Pak for Data user name with an API key (or password) exchanged at <c>/icp4d-api/v1/authorize</c>.</summary>
internal sealed class Cp4dAuthorizeType : TokenProviderType
{
    public override string Name => "Cp4dAuthorize";

    public override string Summary => "a Cloud Pak user name and API key (or password) exchanged at /icp4d-api/v1/authorize for a Bearer token";

    public override IReadOnlyList<string> Options { get; } = ["Url", "Username", "ApiKey", "ApiKeyFile", "Password", "PasswordFile"];

    public override IReadOnlyList<string> SecretOptions { get; } = ["ApiKey", "Password"];

    public override void Validate(TokenProviderOptions options, TokenProviderTypes.Report report)
    {
        TokenProviderTypes.RequireUrl(options.Url, "Url", report);
        TokenProviderTypes.Require(options.Username, "Username", report);
        if (!string.IsNullOrEmpty(options.Password) || !string.IsNullOrWhiteSpace(options.PasswordFile))
        {
            TokenProviderTypes.RequireSecret(options.Password, options.PasswordFile, "Password", report);
        }
        else if (string.IsNullOrEmpty(options.ApiKey) && string.IsNullOrWhiteSpace(options.ApiKeyFile))
        {
            report("ApiKey", "required: set ApiKey or Password (or ApiKeyFile or PasswordFile)");
        }
        else
        {
            TokenProviderTypes.RequireSecret(options.ApiKey, options.ApiKeyFile, "ApiKey", report);
        }
    }

    public override ITokenSource Create(TokenProviderOptions options, TimeProvider time) => new Cp4dAuthorizeSource(options, time);

    public override IReadOnlyDictionary<string, string> Sample(string baseUrl, string secret, Func<string, string, string> writeFile) =>
        new Dictionary<string, string> { ["Url"] = baseUrl, ["Username"] = "admin", ["ApiKey"] = secret };
}
