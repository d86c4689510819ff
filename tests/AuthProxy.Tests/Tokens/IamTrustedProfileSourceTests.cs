using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using AuthProxy.Tokens.Iam;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

public sealed class IamTrustedProfileSourceTests
{
    [Fact]
    public async Task Fetch_ProfileId_PostsCrTokenGrantForm_ReturnsBearer()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var iam = TokenEndpointStub.Start().Json(200, FakeIam.TokenReply("tok-1", expiresIn: 1200, time), "/identity/token");
        using var files = new TempDirectory();
        var options = OptionsFor("IamTrustedProfile", iam.Url, files);
        options.CrTokenFile = files.Write("cr-token", "cr-token-value\n");
        using var source = Create(options, time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("Bearer tok-1", result.Token.HeaderValue);
        Assert.Equal(time.GetUtcNow().AddSeconds(1200), result.Token.ExpiresAt);
        var request = Assert.Single(iam.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/identity/token", request.Path);
        Assert.Equal("application/x-www-form-urlencoded", request.Header("Content-Type"));
        Assert.Equal("application/json", request.Header("Accept"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ibm:params:oauth:grant-type:cr-token",
            ["cr_token"] = "cr-token-value",
            ["profile_id"] = "Profile-0000",
        }, request.Form());
    }

    [Fact]
    public async Task Fetch_ProfileName_SendsProfileNameOnly()
    {
        using var iam = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("IamTrustedProfile", iam.Url, files);
        options.ProfileId = null;
        options.ProfileName = "billing-profile";
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        var form = Assert.Single(iam.Requests).Form();
        Assert.Equal("billing-profile", form["profile_name"]);
        Assert.False(form.ContainsKey("profile_id"));
    }

    [Fact]
    public async Task Fetch_NoCrTokenFileConfigured_ReadsFirstExistingDefaultAtEachFetch()
    {
        using var iam = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("IamTrustedProfile", iam.Url, files);
        options.CrTokenFile = null;
        string[] defaults = [files.PathOf("vault-token"), files.PathOf("sa-token")];
        files.Write("sa-token", "sa-token-value");
        using var source = new IamTrustedProfileSource(options, new FakeTimeProvider(TestClock.Start), defaults);

        var first = await source.FetchOnceAsync();
        files.Write("vault-token", "vault-token-value");
        var second = await source.FetchOnceAsync();

        Assert.True(first.Succeeded, first.ToString());
        Assert.True(second.Succeeded, second.ToString());
        Assert.Equal<IEnumerable<string?>>(["sa-token-value", "vault-token-value"], iam.Requests.Select(r => r.Form()["cr_token"]));
    }

    [Fact]
    public async Task Fetch_NoDefaultCrTokenFileExists_FailsNamingTheLocationsWithoutCallingIam()
    {
        using var iam = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("IamTrustedProfile", iam.Url, files);
        options.CrTokenFile = null;
        string[] defaults = [files.PathOf("vault-token"), files.PathOf("sa-token")];
        using var source = new IamTrustedProfileSource(options, new FakeTimeProvider(TestClock.Start), defaults);

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Contains(defaults[0], result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains(defaults[1], result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("CrTokenFile", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Equal(0, iam.RequestCount);
    }

    [Fact]
    public void DefaultCrTokenFiles_AreTheKubernetesProjectedTokenPathsInOrder()
    {
        Assert.Equal<IEnumerable<string?>>(["/var/run/secrets/tokens/vault-token", "/var/run/secrets/tokens/sa-token"], IamTrustedProfileSource.DefaultCrTokenFiles);
    }

    [Fact]
    public async Task Fetch_IamRefusesCrToken_FailureNamesErrorCodeWithoutCrToken()
    {
        using var iam = TokenEndpointStub.Start().Json(400, FakeIam.ErrorReply("BXNIM0153E", $"The cr_token {SecretValue} is not valid."));
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("IamTrustedProfile", iam.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("BXNIM0153E", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
    }
}
