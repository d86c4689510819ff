namespace AuthProxy.Tokens.CloudPak;

/// <summary><c>Cp4dSignin</c>: an LDAP user name and password exchanged at <c>/v1/preauth/signin</c>.</summary>
internal sealed class Cp4dSigninType : TokenProviderType
{
    public override string Name => "Cp4dSignin";

    public override string Summary => "an LDAP user name and password exchanged at /v1/preauth/signin for a Bearer token";

    public override IReadOnlyList<string> Options { get; } = ["Url", "Username", "Password", "PasswordFile"];

    public override IReadOnlyList<string> SecretOptions { get; } = ["Password"];

    public override void Validate(TokenProviderOptions options, TokenProviderTypes.Report report)
    {
        TokenProviderTypes.RequireUrl(options.Url, "Url", report);
        TokenProviderTypes.Require(options.Username, "Username", report);
        TokenProviderTypes.RequireSecret(options.Password, options.PasswordFile, "Password", report);
    }

    public override ITokenSource Create(TokenProviderOptions options, TimeProvider time) => new Cp4dSigninSource(options, time);

    public override IReadOnlyDictionary<string, string> Sample(string baseUrl, string secret, Func<string, string, string> writeFile) =>
        new Dictionary<string, string> { ["Url"] = baseUrl, ["Username"] = "admin", ["Password"] = secret };
}
