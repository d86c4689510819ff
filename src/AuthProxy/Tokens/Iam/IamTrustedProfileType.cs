namespace AuthProxy.Tokens.Iam;

/// <summary><c>IamTrustedProfile</c>: a compute-resource token (a projected service-account token) exchanged for a trusted profile's token.</summary>
internal sealed class IamTrustedProfileType : TokenProviderType
{
    public override string Name => "IamTrustedProfile";

    public override string Summary => "a compute-resource token read from a file, exchanged at IAM for a trusted profile's Bearer token";

    public override IReadOnlyList<string> Options { get; } = ["ProfileId", "ProfileName", "TokenUrl", "CrTokenFile"];

    public override IReadOnlyList<string> SecretOptions { get; } = [];

    public override void Validate(TokenProviderOptions options, TokenProviderTypes.Report report)
    {
        if (string.IsNullOrWhiteSpace(options.ProfileId) && string.IsNullOrWhiteSpace(options.ProfileName))
        {
            report("ProfileId", "required: set ProfileId or ProfileName");
        }

        TokenProviderTypes.CheckUrl(options.TokenUrl, "TokenUrl", report);
        if (!string.IsNullOrWhiteSpace(options.CrTokenFile) && !File.Exists(options.CrTokenFile))
        {
            report("CrTokenFile", "the file it names does not exist");
        }
    }

    public override ITokenSource Create(TokenProviderOptions options, TimeProvider time) => new IamTrustedProfileSource(options, time);

    public override IReadOnlyDictionary<string, string> Sample(string baseUrl, string secret, Func<string, string, string> writeFile) =>
        new Dictionary<string, string>
        {
            ["ProfileId"] = "Profile-0000",
            ["TokenUrl"] = baseUrl + "/identity/token",
            ["CrTokenFile"] = writeFile("cr-token", secret),
        };
}
