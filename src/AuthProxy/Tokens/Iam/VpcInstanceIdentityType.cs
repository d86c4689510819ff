namespace AuthProxy.Tokens.Iam;

/// <summary><c>VpcInstanceIdentity</c>: the VPC instance metadata service's identity token exchanged for an IAM token; no secret.</summary>
internal sealed class VpcInstanceIdentityType : TokenProviderType
{
    public override string Name => "VpcInstanceIdentity";

    public override string Summary =>
        "the VPC instance metadata service's instance identity token exchanged for an IAM Bearer token (optionally a trusted profile's), no secret";

    public override IReadOnlyList<string> Options { get; } = ["MetadataUrl", "ProfileId", "ProfileCrn"];

    public override IReadOnlyList<string> SecretOptions { get; } = [];

    public override void Validate(TokenProviderOptions options, TokenProviderTypes.Report report)
    {
        TokenProviderTypes.CheckUrl(options.MetadataUrl, "MetadataUrl", report);
        if (!string.IsNullOrWhiteSpace(options.ProfileId) && !string.IsNullOrWhiteSpace(options.ProfileCrn))
        {
            report("ProfileId", "set ProfileId or ProfileCrn, not both (neither: the instance's default trusted profile)");
        }
    }

    public override ITokenSource Create(TokenProviderOptions options, TimeProvider time) => new VpcInstanceIdentitySource(options, time);

    public override IReadOnlyDictionary<string, string> Sample(string baseUrl, string secret, Func<string, string, string> writeFile) =>
        new Dictionary<string, string> { ["MetadataUrl"] = baseUrl, ["ProfileId"] = "Profile-0000" };
}
