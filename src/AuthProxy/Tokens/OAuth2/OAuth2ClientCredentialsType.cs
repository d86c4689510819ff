namespace AuthProxy.Tokens.OAuth2;

/// <summary><c>OAuth2ClientCredentials</c>: a client id and secret exchanged at any OAuth 2.0 token endpoint (RFC 6749 §4.4).</summary>
internal sealed class OAuth2ClientCredentialsType : TokenProviderType
{
    /// <summary>Form fields the grant itself sets; <c>Parameters</c> may not set them again.</summary>
    private static readonly string[] ReservedFields = ["grant_type", "client_id", "client_secret", "scope", "audience"];

    public override string Name => "OAuth2ClientCredentials";

    public override string Summary => "an OAuth 2.0 client id and secret exchanged at any token endpoint (client_credentials grant) for a Bearer token";

    public override IReadOnlyList<string> Options { get; } =
        ["TokenUrl", "ClientId", "ClientSecret", "ClientSecretFile", "Scope", "Audience", "ClientAuthentication", "Parameters"];

    public override IReadOnlyList<string> SecretOptions { get; } = ["ClientSecret"];

    public override void Validate(TokenProviderOptions options, TokenProviderTypes.Report report)
    {
        TokenProviderTypes.RequireUrl(options.TokenUrl, "TokenUrl", report);
        TokenProviderTypes.Require(options.ClientId, "ClientId", report);
        TokenProviderTypes.RequireSecret(options.ClientSecret, options.ClientSecretFile, "ClientSecret", report);
        if (options.ClientAuthentication is { } mode &&
            !mode.Equals(OAuth2ClientCredentialsSource.BasicAuthentication, StringComparison.OrdinalIgnoreCase) &&
            !mode.Equals(OAuth2ClientCredentialsSource.BodyAuthentication, StringComparison.OrdinalIgnoreCase))
        {
            report("ClientAuthentication", "must be Basic (HTTP Basic authentication, the default) or Body (client_id and client_secret in the form)");
        }

        foreach (var name in options.Parameters?.Keys ?? Enumerable.Empty<string>())
        {
            if (ReservedFields.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                report($"Parameters:{name}", $"'{name}' is set by the grant itself{(name is "scope" or "audience" ? $"; use the {char.ToUpperInvariant(name[0])}{name[1..]} option" : "")}");
            }
        }
    }

    public override ITokenSource Create(TokenProviderOptions options, TimeProvider time) => new OAuth2ClientCredentialsSource(options, time);

    public override IReadOnlyDictionary<string, string> Sample(string baseUrl, string secret, Func<string, string, string> writeFile) =>
        new Dictionary<string, string> { ["TokenUrl"] = baseUrl + "/oauth2/token", ["ClientId"] = "authproxy", ["ClientSecret"] = secret };
}
