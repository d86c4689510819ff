namespace AuthProxy.Tokens.CloudPak;

/// <summary><c>Cp4dIdentity</c>: user name and password at the foundational services identity provider, then <c>validateAuth</c>.</summary>
internal sealed class Cp4dIdentityType : TokenProviderType
{
    public override string Name => "Cp4dIdentity";

    public override string Summary => "a user name and password exchanged at the IAM identity provider, then at /v1/preauth/validateAuth, for a Bearer token";

    public override IReadOnlyList<string> Options { get; } = ["Url", "IdentityUrl", "Username", "Password", "PasswordFile"];

    public override IReadOnlyList<string> SecretOptions { get; } = ["Password"];

    public override void Validate(TokenProviderOptions options, TokenProviderTypes.Report report)
    {
        TokenProviderTypes.RequireUrl(options.Url, "Url", report);
        TokenProviderTypes.CheckUrl(options.IdentityUrl, "IdentityUrl", report);
        TokenProviderTypes.Require(options.Username, "Username", report);
        TokenProviderTypes.RequireSecret(options.Password, options.PasswordFile, "Password", report);
    }

    public override ITokenSource Create(TokenProviderOptions options, TimeProvider time) => new Cp4dIdentitySource(options, time);

    public override IReadOnlyDictionary<string, string> Sample(string baseUrl, string secret, Func<string, string, string> writeFile) =>
        new Dictionary<string, string> { ["Url"] = baseUrl, ["Username"] = "admin", ["Password"] = secret };
}
