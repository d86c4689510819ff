namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// The sandbox's fixed ports and credentials. They match <c>config/authproxy.json</c> and
/// <c>config/authproxy.json</c>; none of them is a real secret.
/// </summary>
public static class SandboxDefaults
{
    public const int IamPort = 8091;
    public const int KeyProtectPort = 8092;
    public const int CloudPakPort = 8093;
    public const int SklmPort = 8094;
    public const int Grep11Port = 8095;

    /// <summary>The proxy's cleartext HTTP/2 (h2c) listener for gRPC clients, beside its HTTP/1.1 one on 8080.</summary>
    public const int ProxyGrpcPort = 8081;
    public const int VpcMetadataPort = 8097;
    public const int OidcIssuerPort = 8096;

    /// <summary>The IBM Cloud API key the IAM emulator accepts.</summary>
    public const string ApiKey = "sandbox-api-key";

    /// <summary>The Key Protect instance id (<c>bluemix-instance</c>) the Key Protect emulator belongs to.</summary>
    public const string KeyProtectInstanceId = "5f0c3a8e-2b7d-4c61-9e4a-8d1b6f2c7a90";

    /// <summary>A trusted profile id the IAM emulator accepts for the cr-token grant.</summary>
    public const string TrustedProfileId = "Profile-5a8c2e1f-0b6d-4f3a-9c7e-1d2b3a4c5e6f";

    /// <summary>A trusted profile name the IAM emulator accepts for the cr-token grant.</summary>
    public const string TrustedProfileName = "sandbox-profile";

    /// <summary>The trusted profile the sandbox's billing application assumes (per-client identity).</summary>
    public const string BillingProfileName = "billing-app-profile";

    /// <summary>The trusted profile the sandbox's reporting application assumes (per-client identity).</summary>
    public const string ReportingProfileName = "reporting-app-profile";

    /// <summary>The account of the sandbox's trusted profiles (the assume grant's <c>account</c>).</summary>
    public const string AccountId = "sandbox-account";

    /// <summary>The audience the sandbox's OIDC issuer puts in minted tokens and the sandbox configuration accepts.</summary>
    public const string JwtAudience = "authproxy";

    public const string CloudPakUsername = "admin";
    public const string CloudPakPassword = "sandbox-password";

    /// <summary>The Cloud Pak (Zen) API key of <see cref="CloudPakUsername"/>.</summary>
    public const string CloudPakApiKey = "sandbox-cpd-api-key";

    public const string SklmUserId = "sklmadmin";
    public const string SklmPassword = "sandbox-password";
}
