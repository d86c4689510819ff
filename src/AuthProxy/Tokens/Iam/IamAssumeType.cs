namespace AuthProxy.Tokens.Iam;

/// <summary><c>IamAssume</c>: an IBM Cloud API key exchanged at IAM for a token, which assumes a trusted profile.</summary>
internal sealed class IamAssumeType : TokenProviderType
{
    public override string Name => "IamAssume";

    public override string Summary => "an IBM Cloud API key exchanged at IAM for a token, then the assume grant for a trusted profile's Bearer token";

    public override IReadOnlyList<string> Options { get; } =
        ["ApiKey", "ApiKeyFile", "ProfileId", "ProfileCrn", "ProfileName", "AccountId", "TokenUrl", "Scope"];

    public override IReadOnlyList<string> SecretOptions { get; } = ["ApiKey"];

    public override void Validate(TokenProviderOptions options, TokenProviderTypes.Report report)
    {
        TokenProviderTypes.RequireSecret(options.ApiKey, options.ApiKeyFile, "ApiKey", report);
        TokenProviderTypes.CheckUrl(options.TokenUrl, "TokenUrl", report);
        var byId = !string.IsNullOrWhiteSpace(options.ProfileId);
        var byCrn = !string.IsNullOrWhiteSpace(options.ProfileCrn);
        var byName = !string.IsNullOrWhiteSpace(options.ProfileName);
        var ways = (byId ? 1 : 0) + (byCrn ? 1 : 0) + (byName ? 1 : 0);
        if (ways == 0)
        {
            report("ProfileId", "required: set one of ProfileId, ProfileCrn, or ProfileName with AccountId");
        }
        else if (ways > 1)
        {
            report(byId ? "ProfileId" : "ProfileCrn", "set only one of ProfileId, ProfileCrn, or ProfileName with AccountId");
        }

        if (byName && string.IsNullOrWhiteSpace(options.AccountId))
        {
            report("AccountId", "required with ProfileName: the account the trusted profile belongs to");
        }
        else if (!byName && !string.IsNullOrWhiteSpace(options.AccountId))
        {
            report("AccountId", "applies only with ProfileName");
        }
    }

    public override ITokenSource Create(TokenProviderOptions options, TimeProvider time) => new IamAssumeSource(options, time);

    public override IReadOnlyDictionary<string, string> Sample(string baseUrl, string secret, Func<string, string, string> writeFile) =>
        new Dictionary<string, string> { ["ApiKey"] = secret, ["ProfileId"] = "Profile-0000", ["TokenUrl"] = baseUrl + "/identity/token" };
}
