using AuthProxy.Tests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

/// <summary><c>VpcInstanceIdentity</c>: the instance identity token, then the IAM token, both from the metadata service.</summary>
public sealed class VpcInstanceIdentitySourceTests
{
    private const string IdentityToken = "instance-identity-token-0f9a";
    private const string TokenPath = "/instance_identity/v1/token";
    private const string IamTokenPath = "/instance_identity/v1/iam_token";

    [Theory]
    [InlineData("ProfileId", "Profile-1234", """{"trusted_profile":{"id":"Profile-1234"}}""")]
    [InlineData("ProfileCrn", "crn:v1:bluemix:public:iam-identity::a/acc1::profile:Profile-1234", """{"trusted_profile":{"crn":"crn:v1:bluemix:public:iam-identity::a/acc1::profile:Profile-1234"}}""")]
    [InlineData(null, null, null)]
    public async Task Fetch_PutsForIdentityTokenThenPostsForIamToken_WithMetadataFlavorAndVersion(string? option, string? value, string? expectedBody)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var metadata = Metadata(new { access_token = "iam-token-1", expires_in = 900 }, time);
        using var files = new TempDirectory();
        var options = OptionsFor("VpcInstanceIdentity", metadata.Url, files);
        options.ProfileId = null;
        if (option is not null)
        {
            typeof(AuthProxy.Tokens.TokenProviderOptions).GetProperty(option)!.SetValue(options, value);
        }

        using var source = Create(options, time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("Bearer iam-token-1", result.Token.HeaderValue);
        Assert.Equal(time.GetUtcNow().AddSeconds(900), result.Token.ExpiresAt);
        var requests = metadata.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal("PUT", requests[0].Method);
        Assert.Equal(TokenPath, requests[0].Path);
        Assert.Equal("2022-03-01", requests[0].Query!["version"].Single());
        Assert.Equal("ibm", requests[0].Header("Metadata-Flavor"));
        Assert.Equal("application/json", requests[0].Header("Content-Type"));
        Assert.Equal("application/json", requests[0].Header("Accept"));
        Assert.Null(requests[0].Header("Authorization"));
        Assert.Equal("""{"expires_in":300}""", requests[0].Body);
        Assert.Equal("POST", requests[1].Method);
        Assert.Equal(IamTokenPath, requests[1].Path);
        Assert.Equal("2022-03-01", requests[1].Query!["version"].Single());
        Assert.Equal("ibm", requests[1].Header("Metadata-Flavor"));
        Assert.Equal("Bearer " + IdentityToken, requests[1].Header("Authorization"));
        if (expectedBody is null)
        {
            Assert.Empty(requests[1].BodyBytes());
        }
        else
        {
            Assert.Equal("application/json", requests[1].Header("Content-Type"));
            Assert.Equal(expectedBody, requests[1].Body);
        }
    }

    [Fact]
    public async Task Fetch_DefaultMetadataUrl_IsTheLinkLocalService()
    {
        Assert.Equal("http://169.254.169.254", AuthProxy.Tokens.Iam.VpcInstanceIdentitySource.DefaultMetadataUrl);
        using var metadata = Metadata(new { access_token = "t", expires_in = 900 }, TimeProvider.System);
        using var files = new TempDirectory();
        var options = OptionsFor("VpcInstanceIdentity", metadata.Url + "/", files);
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal([TokenPath, IamTokenPath], metadata.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task Fetch_IdentityTokenStepFails_FailureNamesTheStep_NoIamTokenRequest()
    {
        using var metadata = TokenEndpointStub.Start().Json(404, new { errors = new[] { new { code = "not_found", message = "no metadata service" } } });
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("VpcInstanceIdentity", metadata.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Equal(502, result.Failure.StatusCode);
        Assert.StartsWith("instance identity token request: the token endpoint answered 404", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Single(metadata.Requests);
    }

    [Fact]
    public async Task Fetch_IamTokenStepRefused_FailureNamesTheStepWithoutTheIdentityToken()
    {
        using var metadata = TokenEndpointStub.Start();
        metadata.Server.Given(Request.Create().UsingPut().WithPath(TokenPath))
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = IdentityToken, expires_in = 300 }));
        metadata.Server.Given(Request.Create().UsingPost().WithPath(IamTokenPath))
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { code = "iam_token_failed", message = $"profile not linked to {IdentityToken}" }));
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("VpcInstanceIdentity", metadata.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.StartsWith("IAM token request: the token endpoint answered 400", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("iam_token_failed", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(IdentityToken, result.Failure.Reason, StringComparison.Ordinal);
    }

    private static TokenEndpointStub Metadata(object iamReply, TimeProvider time)
    {
        _ = time;
        var stub = TokenEndpointStub.Start();
        stub.Server.Given(Request.Create().UsingPut().WithPath(TokenPath))
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = IdentityToken, created_at = "2026-11-21T12:00:00Z", expires_in = 300 }));
        stub.Server.Given(Request.Create().UsingPost().WithPath(IamTokenPath))
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(iamReply));
        return stub;
    }
}
