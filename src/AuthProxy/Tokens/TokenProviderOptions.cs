namespace AuthProxy.Tokens;

/// <summary>
/// One entry of the <c>TokenProviders</c> configuration section. Which options apply depends on
/// <see cref="Type"/> (see README and docs/configuration.md); <see cref="TokenProvidersConfig"/> checks them.
/// </summary>
public sealed class TokenProviderOptions
{
    /// <summary>The provider type, e.g. <c>IamApiKey</c>. Required.</summary>
    public string? Type { get; set; }

    /// <summary>IAM API key or Cloud Pak / Zen API key (secret).</summary>
    public string? ApiKey { get; set; }

    /// <summary>File holding <see cref="ApiKey"/>, read at each fetch.</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>Password (secret) for Cloud Pak and SKLM flows.</summary>
    public string? Password { get; set; }

    /// <summary>File holding <see cref="Password"/>, read at each fetch.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>IAM token URL. Default <c>https://iam.cloud.ibm.com/identity/token</c>; a bare base URL gets <c>/identity/token</c>.</summary>
    public string? TokenUrl { get; set; }

    /// <summary>Optional IAM or OAuth 2.0 scope.</summary>
    public string? Scope { get; set; }

    /// <summary>IAM client id sent with <see cref="ClientSecret"/> as Basic authentication; the OAuth 2.0 client id.</summary>
    public string? ClientId { get; set; }

    /// <summary>Optional IAM client secret (secret).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>File holding <see cref="ClientSecret"/>.</summary>
    public string? ClientSecretFile { get; set; }

    /// <summary>IAM trusted profile id.</summary>
    public string? ProfileId { get; set; }

    /// <summary>IAM trusted profile name (with <see cref="AccountId"/> for <c>IamAssume</c>).</summary>
    public string? ProfileName { get; set; }

    /// <summary>IAM trusted profile CRN (<c>IamAssume</c>, <c>VpcInstanceIdentity</c>).</summary>
    public string? ProfileCrn { get; set; }

    /// <summary>The account of <see cref="ProfileName"/> (<c>IamAssume</c>).</summary>
    public string? AccountId { get; set; }

    /// <summary>The VPC instance metadata service (<c>VpcInstanceIdentity</c>).</summary>
    /// <remarks>Default <c>http://169.254.169.254</c>.</remarks>
    public string? MetadataUrl { get; set; }

    /// <summary>OAuth 2.0 <c>audience</c> form field (<c>OAuth2ClientCredentials</c>).</summary>
    public string? Audience { get; set; }

    /// <summary>How <c>OAuth2ClientCredentials</c> authenticates: <c>Basic</c> (HTTP Basic, RFC 6749 §2.3.1) or <c>Body</c> (form fields).</summary>
    /// <remarks>Default <c>Basic</c>.</remarks>
    public string? ClientAuthentication { get; set; }

    /// <summary>Extra form fields of an <c>OAuth2ClientCredentials</c> token request (an object of names and values).</summary>
    public Dictionary<string, string>? Parameters { get; set; }

    /// <summary>Compute-resource token file for trusted profiles, read at each fetch.</summary>
    /// <remarks>Default: the first of <c>/var/run/secrets/tokens/vault-token</c> and <c>/var/run/secrets/tokens/sa-token</c> that exists.</remarks>
    public string? CrTokenFile { get; set; }

    /// <summary>Cloud Pak platform URL or SKLM server URL.</summary>
    /// <remarks>A trailing <c>/icp4d-api</c> (Cloud Pak) or <c>/SKLM</c> (SKLM) segment is not doubled.</remarks>
    public string? Url { get; set; }

    /// <summary>Cloud Pak identity provider URL for <c>Cp4dIdentity</c>; defaults to <see cref="Url"/>.</summary>
    public string? IdentityUrl { get; set; }

    /// <summary>Cloud Pak / Zen user name.</summary>
    public string? Username { get; set; }

    /// <summary>SKLM user id.</summary>
    public string? UserId { get; set; }

    /// <summary>Fraction of a token's lifetime after which it is renewed in the background.</summary>
    /// <remarks>Default 0.8. Must be greater than 0 and at most 1.</remarks>
    public double RefreshAfter { get; set; } = 0.8;

    /// <summary>Assumed lifetime when the reply states none (e.g. SKLM).</summary>
    /// <remarks>
    /// Default 20 minutes. A <c>ZenApiKey</c> read from <c>ApiKeyFile</c> also lives this long, so a rotated
    /// key file is re-read (an inline Zen key never expires).
    /// </remarks>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>A token is never sent within this much of its expiry (capped at 10% of its lifetime).</summary>
    /// <remarks>Default 10 seconds, as IBM's SDKs use.</remarks>
    public TimeSpan ExpiryWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one token request.</summary>
    /// <remarks>Default 10 seconds.</remarks>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>PEM file with an extra CA trusted for the token endpoint.</summary>
    public string? CaCertificateFile { get; set; }

    /// <summary>Skip TLS certificate checks to the token endpoint. Off by default; logged as a warning.</summary>
    public bool AcceptAnyServerCertificate { get; set; }
}
