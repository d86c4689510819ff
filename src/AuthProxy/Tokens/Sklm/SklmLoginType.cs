namespace AuthProxy.Tokens.Sklm;

/// <summary><c>SklmLogin</c> and <c>SklmAccessToken</c>: an SKLM user id and password exchanged for a <c>userAuthId</c>.</summary>
internal sealed class SklmLoginType(string name, string endpoint, bool isGet) : TokenProviderType
{
    /// <summary><c>SklmLogin</c>: <c>POST …/ckms/login</c>.</summary>
    public static readonly SklmLoginType Login = new("SklmLogin", "login", isGet: false);

    /// <summary><c>SklmAccessToken</c> (OIDC user registries): <c>GET …/ckms/accessToken</c> with a JSON body.</summary>
    public static readonly SklmLoginType AccessToken = new("SklmAccessToken", "accessToken", isGet: true);

    public override string Name => name;

    public override string Summary => $"an SKLM user id and password exchanged at /SKLM/rest/v1/ckms/{endpoint} for SKLMAuth userAuthId=…";

    public override IReadOnlyList<string> Options { get; } = ["Url", "UserId", "Password", "PasswordFile"];

    public override IReadOnlyList<string> SecretOptions { get; } = ["Password"];

    public override void Validate(TokenProviderOptions options, TokenProviderTypes.Report report)
    {
        TokenProviderTypes.RequireUrl(options.Url, "Url", report);
        TokenProviderTypes.Require(options.UserId, "UserId", report);
        TokenProviderTypes.RequireSecret(options.Password, options.PasswordFile, "Password", report);
    }

    public override ITokenSource Create(TokenProviderOptions options, TimeProvider time) =>
        isGet ? new SklmAccessTokenSource(options, time) : new SklmLoginSource(options, time);

    public override IReadOnlyDictionary<string, string> Sample(string baseUrl, string secret, Func<string, string, string> writeFile) =>
        new Dictionary<string, string> { ["Url"] = baseUrl, ["UserId"] = "sklmadmin", ["Password"] = secret };
}
