using AuthProxy.Sandbox.CloudPak;
using AuthProxy.Sandbox.Iam;
using AuthProxy.Sandbox.Sklm;

namespace AuthProxy.Soak;

/// <summary>How a provider's tokens age, as the proxy computes it (docs/tokens.md).</summary>
/// <param name="Lifetime">The issued lifetime.</param>
/// <param name="SecondsResolution">
/// The reply states expiry in whole Unix seconds (IAM <c>expiration</c>, JWT <c>exp</c>/<c>iat</c>), so the proxy's
/// instants may sit up to a second earlier than the emulator's.
/// </param>
internal sealed record LifetimeModel(TimeSpan Lifetime, bool SecondsResolution)
{
    /// <summary>The proxy's expiry window: min(ExpiryWindow 10 s, 10% of the lifetime).</summary>
    public TimeSpan Window => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, Lifetime.Ticks / 10));

    private TimeSpan Truncation => SecondsResolution ? TimeSpan.FromSeconds(1) : TimeSpan.Zero;

    /// <summary>Earliest instant the proxy may stop using a token fetched in [start, end].</summary>
    public DateTimeOffset UsableUntilEarliest(DateTimeOffset start) => start - Truncation + Lifetime - Window;

    /// <summary>Latest instant the proxy may still use a token fetched in [start, end].</summary>
    public DateTimeOffset UsableUntilLatest(DateTimeOffset end) => end + Lifetime - Window;

    /// <summary>Earliest instant background renewal may start.</summary>
    public DateTimeOffset RefreshEarliest(DateTimeOffset start, double refreshAfter) => start - Truncation + (Lifetime * refreshAfter);

    /// <summary>Latest instant background renewal should start (given traffic).</summary>
    public DateTimeOffset RefreshLatest(DateTimeOffset end, double refreshAfter) => end + (Lifetime * refreshAfter);

    /// <summary>Shortest time between two scheduled renewals.</summary>
    public TimeSpan ShortestRenewalPeriod(double refreshAfter) => (Lifetime * refreshAfter) - Truncation;
}

/// <summary>A token provider of the soak config and where its token requests go.</summary>
/// <param name="Name">Provider name in the config.</param>
/// <param name="Emulator">The emulator serving its token endpoint (<c>iam</c>, <c>cloudpak</c>, <c>sklm</c>), or null (Zen: nothing fetched).</param>
/// <param name="FirstPath">The token endpoint path a fetch starts with: one request per fetch attempt.</param>
/// <param name="FinalPath">The endpoint whose 200 hands out the credential (differs for the two-step Cp4dIdentity flow).</param>
/// <param name="Issuer">Issuer name, in the emulators' token store, of the credential sent upstream.</param>
/// <param name="Upstream">The emulator its routes forward to.</param>
internal sealed record ProviderSpec(string Name, string? Emulator, string? FirstPath, string? FinalPath, string? Issuer, string Upstream)
{
    public bool Fetches => FirstPath is not null;
}

/// <summary>One request the load generator sends.</summary>
/// <param name="Route">Route id.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="PathAndQuery">Path on the proxy.</param>
/// <param name="Body">JSON request body, or null.</param>
internal sealed record Operation(string Route, HttpMethod Method, string PathAndQuery, string? Body);

/// <summary>A route of the soak config.</summary>
internal sealed record RouteSpec(string Id, string Prefix, string Provider, string Cluster, bool Sklm);

/// <summary>The soak's fixed topology: every route type of docs/configuration.md and the providers behind them.</summary>
internal static class SoakTopology
{
    public const string CloudPakVersion = "2024-05-01";

    public static readonly ProviderSpec[] Providers =
    [
        new("kp", "iam", IamEmulator.TokenPath, IamEmulator.TokenPath, IamEmulator.Issuer, "keyprotect"),
        new("cpd-authorize", "cloudpak", CloudPakEmulator.AuthorizePath, CloudPakEmulator.AuthorizePath, CloudPakEmulator.Issuer, "cloudpak"),
        new("cpd-identity", "cloudpak", CloudPakEmulator.IdentityTokenPath, CloudPakEmulator.ValidateAuthPath, CloudPakEmulator.Issuer, "cloudpak"),
        new("cpd-signin", "cloudpak", CloudPakEmulator.SigninPath, CloudPakEmulator.SigninPath, CloudPakEmulator.Issuer, "cloudpak"),
        new("zen", null, null, null, null, "cloudpak"),
        new("sklm", "sklm", SklmEmulator.LoginPath, SklmEmulator.LoginPath, SklmEmulator.Issuer, "sklm"),
        new("sklm-oidc", "sklm", SklmEmulator.AccessTokenPath, SklmEmulator.AccessTokenPath, SklmEmulator.Issuer, "sklm"),
    ];

    public static readonly RouteSpec[] Routes =
    [
        new("kms", "/kms", "kp", "keyprotect", false),
        new("watsonx", "/watsonx", "cpd-authorize", "cloudpak", false),
        new("watsonx-identity", "/watsonx-identity", "cpd-identity", "cloudpak", false),
        new("watsonx-signin", "/watsonx-signin", "cpd-signin", "cloudpak", false),
        new("watsonx-zen", "/watsonx-zen", "zen", "cloudpak", false),
        new("sklm", "/sklm", "sklm", "sklm", true),
        new("sklm-oidc", "/sklm-oidc", "sklm-oidc", "sklm", true),
    ];

    /// <summary>What the load generator cycles through: a read on every route, writes with bodies where the upstream has them.</summary>
    public static readonly Operation[] Operations =
    [
        new("kms", HttpMethod.Get, "/kms/api/v2/keys?limit=5", null),
        new("kms", HttpMethod.Post, "/kms/api/v2/keys",
            """{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json","collectionTotal":1},"resources":[{"type":"application/vnd.ibm.kms.key+json","name":"soak-key","extractable":false}]}"""),
        new("watsonx", HttpMethod.Get, $"/watsonx/ml/v4/deployments?version={CloudPakVersion}", null),
        new("watsonx", HttpMethod.Post, $"/watsonx/ml/v1/text/generation?version={CloudPakVersion}",
            """{"input":"Say hello to the soak","model_id":"ibm/granite-13b-instruct-v2","parameters":{"max_new_tokens":20}}"""),
        new("watsonx-identity", HttpMethod.Get, $"/watsonx-identity/ml/v4/deployments?version={CloudPakVersion}", null),
        new("watsonx-signin", HttpMethod.Get, $"/watsonx-signin/ml/v4/deployments?version={CloudPakVersion}", null),
        new("watsonx-signin", HttpMethod.Post, $"/watsonx-signin/ml/v1/text/generation?version={CloudPakVersion}",
            """{"input":"Summarise the soak","model_id":"ibm/granite-13b-instruct-v2"}"""),
        new("watsonx-zen", HttpMethod.Get, $"/watsonx-zen/ml/v4/deployments?version={CloudPakVersion}", null),
        new("sklm", HttpMethod.Get, "/sklm/SKLM/rest/v1/objects", null),
        new("sklm", HttpMethod.Get, "/sklm/SKLM/rest/v1/ckms/keys", null),
        new("sklm-oidc", HttpMethod.Get, "/sklm-oidc/SKLM/rest/v1/objects", null),
    ];

    public static ProviderSpec Provider(string name) => Providers.First(p => p.Name == name);

    public static RouteSpec Route(string id) => Routes.First(r => r.Id == id);

    /// <summary>The provider whose token endpoint is at <paramref name="path"/> of <paramref name="emulator"/> (either step of a flow).</summary>
    public static ProviderSpec? ProviderForTokenPath(string emulator, string path) =>
        Providers.FirstOrDefault(p => p.Emulator == emulator && (p.FirstPath == path || p.FinalPath == path));
}
