using AuthProxy.Tests.Infrastructure;
using System.Text.Json;
using AuthProxy.InboundAuth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace AuthProxy.Tests.InboundAuth;

/// <summary>The scheme and policies through ASP.NET Core's own services, on <see cref="DefaultHttpContext"/>.</summary>
public sealed class InboundAuthHandlerTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly ServiceProvider _services;

    public InboundAuthHandlerTests()
    {
        var keyFile = _folder.Write("batch-key", InboundConfigs.BatchKey + "\n");
        var services = new ServiceCollection();
        services.AddLogging();
        var problems = new List<AuthProxy.Configuration.ConfigProblem>();
        var clients = InboundAuthConfig.Read(InboundConfigs.FromJson(InboundConfigs.Minimal(InboundConfigs.InboundSection(keyFile))), [], problems);
        Assert.Empty(problems);
        services.AddInboundAuth(clients, []);
        _services = services.BuildServiceProvider();
    }

    public void Dispose()
    {
        _services.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Authenticate_ValidApiKey_PrincipalCarriesClientNameButNoKey()
    {
        var context = NewContext(("X-API-Key", InboundConfigs.BillingKey));

        var result = await context.AuthenticateAsync(InboundAuthDefaults.AuthenticationScheme);

        Assert.True(result.Succeeded);
        Assert.Equal("billing-app", result.Principal!.Identity!.Name);
        Assert.Equal(InboundAuthDefaults.AuthenticationScheme, result.Principal.Identity.AuthenticationType);
        Assert.Equal("billing-app", result.Principal.FindFirst(InboundAuthDefaults.ClientClaimType)?.Value);
        Assert.DoesNotContain(result.Principal.Claims, c => c.Value.Contains(InboundConfigs.BillingKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Authenticate_NoCredential_IsNoResult()
    {
        var result = await NewContext().AuthenticateAsync(InboundAuthDefaults.AuthenticationScheme);

        Assert.True(result.None);
    }

    [Fact]
    public async Task Authenticate_WrongKey_Fails()
    {
        var result = await NewContext(("X-API-Key", "nope")).AuthenticateAsync(InboundAuthDefaults.AuthenticationScheme);

        Assert.NotNull(result.Failure);
    }

    [Fact]
    public async Task Challenge_Answers401WithBasicRealmAndProblemJson()
    {
        var context = NewContext();

        await context.ChallengeAsync(InboundAuthDefaults.AuthenticationScheme);

        Assert.Equal(401, context.Response.StatusCode);
        Assert.Equal("Basic realm=\"AuthProxy\", charset=\"UTF-8\"", context.Response.Headers.WWWAuthenticate.ToString());
        Assert.Equal("application/problem+json", context.Response.ContentType);
        using var body = JsonDocument.Parse(((MemoryStream)context.Response.Body).ToArray());
        Assert.Equal(401, body.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Forbid_Answers403NamingTheClient()
    {
        var context = NewContext(("X-API-Key", InboundConfigs.BatchKey));

        await context.ForbidAsync(InboundAuthDefaults.AuthenticationScheme);

        Assert.Equal(403, context.Response.StatusCode);
        using var body = JsonDocument.Parse(((MemoryStream)context.Response.Body).ToArray());
        Assert.Contains("'batch'", body.RootElement.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("billing-app", true)]
    [InlineData("legacy", true)]
    [InlineData("batch", false)]
    public async Task NamedPolicy_AllowsOnlyItsClients(string client, bool allowed)
    {
        var key = client switch { "billing-app" => InboundConfigs.BillingKey, "legacy" => InboundConfigs.LegacyKey, _ => InboundConfigs.BatchKey };
        var provider = _services.GetRequiredService<IAuthorizationPolicyProvider>();
        var policy = await provider.GetPolicyAsync("KMS-clients");
        var user = (await NewContext(("X-API-Key", key)).AuthenticateAsync(InboundAuthDefaults.AuthenticationScheme)).Principal!;

        var result = await _services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(user, policy!);

        Assert.Equal(allowed, result.Succeeded);
    }

    [Fact]
    public async Task PolicyProvider_FallbackRequiresAClientWhileClientsExist_AndUnknownNamesAreNull()
    {
        var provider = _services.GetRequiredService<IAuthorizationPolicyProvider>();
        var store = _services.GetRequiredService<InboundClientStore>();

        Assert.Same(InboundPolicies.AnyClient, await provider.GetFallbackPolicyAsync());
        Assert.Same(InboundPolicies.AnyClient, await provider.GetDefaultPolicyAsync());
        Assert.Null(await provider.GetPolicyAsync("no-such-policy"));
        Assert.False(provider.AllowsCachingPolicies);

        Assert.Empty(store.Apply(InboundConfigs.FromJson(InboundConfigs.Minimal())));

        Assert.Null(await provider.GetFallbackPolicyAsync());
        // A policy just removed answers "nobody" rather than failing requests still routed with it.
        Assert.NotNull(await provider.GetPolicyAsync("kms-clients"));
    }

    private DefaultHttpContext NewContext(params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Response.Body = new MemoryStream();
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context;
    }
}
