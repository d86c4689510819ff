using System.Text.Json;
using AuthProxy.Hosting;
using AuthProxy.Tests.Infrastructure;
using static AuthProxy.Tests.Identity.IdentitySandbox;

namespace AuthProxy.Tests.Identity;

/// <summary>
/// One IBM identity per application (README "One IBM identity per application"): clients' <c>TokenProviders</c> swap the
/// route's provider for their own, each a normal provider with its own cache and status entry; live edits apply.
/// </summary>
public sealed class PerClientIdentityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoClientsOnOneRoute_ReachTheUpstreamWithTwoDifferentTokens_AClientWithoutMappingUsesTheRoutesProvider()
    {
        await using var env = await StartAsync();
        var issuer = env.Sandbox.OidcIssuer;

        Assert.Equal(200, (await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Billing)))).Status);
        Assert.Equal(200, (await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Reporting)))).Status);
        Assert.Equal(200, (await env.SendAsync(Get("/kms/api/v2/keys", apiKey: LegacyKey))).Status);

        var callers = env.Sandbox.KeyProtect.Callers;
        Assert.Equal("iam-Profile-billing-app-profile", callers[0]);
        Assert.Equal("iam-Profile-reporting-app-profile", callers[1]);
        Assert.StartsWith("iam-ServiceId-", callers[2], StringComparison.Ordinal);
        var billing = Assert.Single(env.Sandbox.Tokens.Snapshot("iam"), t => t.Subject == "iam-Profile-billing-app-profile");
        var reporting = Assert.Single(env.Sandbox.Tokens.Snapshot("iam"), t => t.Subject == "iam-Profile-reporting-app-profile");
        Assert.NotEqual(billing.Value, reporting.Value);
        Assert.Equal(1, billing.Uses);
        Assert.Equal(1, reporting.Uses);

        using var status = JsonDocument.Parse(await env.Client.GetStringAsync("/_authproxy/status"));
        var providers = status.RootElement.GetProperty("providers");
        foreach (var name in new[] { "kp", "kp-billing", "kp-reporting" })
        {
            Assert.Equal("valid", providers.GetProperty(name).GetProperty("state").GetString());
            Assert.Equal(1, providers.GetProperty(name).GetProperty("fetches").GetInt32());
        }
    }

    [Fact]
    public async Task MappedProviderFails_TheAnswerNamesTheProviderActuallyUsed()
    {
        await using var env = await StartAsync(config => config.Replace("\"billing-app-profile\"", "\"no-such-profile\"", StringComparison.Ordinal));

        var (status, body) = await env.SendAsync(Get("/kms/api/v2/keys", env.Sandbox.OidcIssuer.Mint(Billing)));

        Assert.Equal(502, status);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal("kp-billing", problem.RootElement.GetProperty("provider").GetString());
        Assert.Contains("assume request", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("BXNIM0538E", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedTokenOfAMappedProvider_IsReplacedAndTheRequestRetried_WithTheSameIdentity()
    {
        await using var env = await StartAsync();
        var issuer = env.Sandbox.OidcIssuer;
        Assert.Equal(200, (await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Billing)))).Status);
        env.Sandbox.Iam.RevokeAll();

        var (status, body) = await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Billing)));

        Assert.True(status == 200, body);
        Assert.Equal("iam-Profile-billing-app-profile", env.Sandbox.KeyProtect.Callers[^1]);
        Assert.Equal(2 * 2, env.Sandbox.Iam.Counters.TokenRequests("/identity/token")); // two IamAssume fetches, two requests each
    }

    [Fact]
    public async Task LiveEditOfAMapping_AppliesToTheNextRequest()
    {
        await using var env = await StartAsync();
        var issuer = env.Sandbox.OidcIssuer;
        Assert.Equal(200, (await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Billing)))).Status);

        var edited = (await File.ReadAllTextAsync(env.Proxy.ConfigPath))
            .Replace("\"TokenProviders\": { \"kp\": \"kp-billing\" }", "\"TokenProviders\": { \"kp\": \"kp-reporting\" }", StringComparison.Ordinal);
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, edited);
        Assert.True(env.Proxy.Services.GetRequiredService<ConfigReloader>().CheckNow());
        Assert.Equal(200, (await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Billing)))).Status);

        var removed = edited.Replace(", \"TokenProviders\": { \"kp\": \"kp-reporting\" } },\n      \"reporting-app\"", " },\n      \"reporting-app\"", StringComparison.Ordinal);
        Assert.NotEqual(edited, removed);
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, removed);
        Assert.True(env.Proxy.Services.GetRequiredService<ConfigReloader>().CheckNow());
        Assert.Equal(200, (await env.SendAsync(Get("/kms/api/v2/keys", issuer.Mint(Billing)))).Status);

        var callers = env.Sandbox.KeyProtect.Callers;
        Assert.Equal("iam-Profile-billing-app-profile", callers[0]);
        Assert.Equal("iam-Profile-reporting-app-profile", callers[1]);
        Assert.StartsWith("iam-ServiceId-", callers[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZeroStaticSecrets_JwtClientIn_VpcTrustedProfileOut()
    {
        await using var env = await StartAsync();

        var (status, body) = await env.SendAsync(Get("/kms-vpc/api/v2/keys", env.Sandbox.OidcIssuer.Mint(Billing)));
        var (forbidden, _) = await env.SendAsync(Get("/kms-vpc/api/v2/keys", env.Sandbox.OidcIssuer.Mint(Reporting)));

        Assert.True(status == 200, body);
        Assert.Equal("iam-Profile-5a8c2e1f-0b6d-4f3a-9c7e-1d2b3a4c5e6f", env.Sandbox.KeyProtect.Callers[^1]);
        Assert.Equal(403, forbidden);
        Assert.Equal(2, env.Sandbox.VpcMetadata.Counters.TokensIssued); // the instance identity token, then the IAM token
    }

    [Theory]
    [InlineData("kp", "kp-nope", "maps 'kp' to token provider 'kp-nope', which is not configured")]
    [InlineData("kpx", "kp", "maps token provider 'kpx', which is not configured")]
    public void Validate_MappingToAnUnknownProvider_NamesTheMappingsPath(string from, string to, string reason)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TokenProviders:kp:Type"] = "IamApiKey",
            ["TokenProviders:kp:ApiKey"] = "k",
            ["InboundAuth:Clients:billing-app:ApiKey"] = "client-key",
            [$"InboundAuth:Clients:billing-app:TokenProviders:{from}"] = to,
        }).Build();

        var problem = Assert.Single(ConfigChecks.Judge(configuration).Problems);

        Assert.Equal($"InboundAuth:Clients:billing-app:TokenProviders:{from}", problem.Path);
        Assert.Contains(reason, problem.Reason, StringComparison.Ordinal);
    }

    private Task<TestEnvironment> StartAsync(Func<string, string>? edit = null) => TestEnvironment.StartAsync(output, o =>
    {
        o.Sandbox = true;
        o.Config = e => (edit ?? (c => c))(Config(e.Sandbox));
    });
}
