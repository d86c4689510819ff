using AuthProxy.Tests.Infrastructure;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

/// <summary><c>IamAssume</c>: the API key grant, then the assume grant with the token it returned.</summary>
public sealed class IamAssumeSourceTests
{
    private const string ApiKeyToken = "iam-token-of-the-service-id";

    [Theory]
    [InlineData("ProfileId", "Profile-1234", null, "profile_id")]
    [InlineData("ProfileCrn", "crn:v1:bluemix:public:iam-identity::a/acc1::profile:Profile-1234", null, "profile_crn")]
    [InlineData("ProfileName", "billing-profile", "acc1", "profile_name")]
    public async Task Fetch_PostsApiKeyGrantThenAssumeGrant_ReturnsBearerWithAssumeReplyLifetime(string option, string value, string? account, string field)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var iam = TokenEndpointStub.Start();
        iam.Server.Given(WireMock.RequestBuilders.Request.Create().UsingPost().WithPath("/identity/token")
                .WithBody(new WireMock.Matchers.FormUrlEncodedMatcher("grant_type=urn:ibm:params:oauth:grant-type:apikey")))
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(200)
                .WithBodyAsJson(new { access_token = ApiKeyToken, expires_in = 3600 }));
        iam.Server.Given(WireMock.RequestBuilders.Request.Create().UsingPost().WithPath("/identity/token")
                .WithBody(new WireMock.Matchers.FormUrlEncodedMatcher("grant_type=urn:ibm:params:oauth:grant-type:assume")))
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(200)
                .WithBodyAsJson(FakeIam.TokenReply("assumed-token", expiresIn: 1800, time)));
        using var files = new TempDirectory();
        var options = OptionsFor("IamAssume", iam.Url, files);
        options.ProfileId = null;
        typeof(AuthProxy.Tokens.TokenProviderOptions).GetProperty(option)!.SetValue(options, value);
        options.AccountId = account;
        options.Scope = "ibm openid";
        using var source = Create(options, time);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("Bearer assumed-token", result.Token.HeaderValue);
        Assert.Equal(time.GetUtcNow().AddSeconds(1800), result.Token.ExpiresAt);
        var requests = iam.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal("/identity/token", r.Path);
            Assert.Equal("application/x-www-form-urlencoded", r.Header("Content-Type"));
            Assert.Equal("application/json", r.Header("Accept"));
            Assert.Null(r.Header("Authorization"));
        });
        Assert.Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ibm:params:oauth:grant-type:apikey",
            ["apikey"] = SecretValue,
            ["scope"] = "ibm openid",
        }, requests[0].Form());
        var expected = new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ibm:params:oauth:grant-type:assume",
            ["access_token"] = ApiKeyToken,
            [field] = value,
        };
        if (account is not null)
        {
            expected["account"] = account;
        }

        Assert.Equal(expected, requests[1].Form());
    }

    [Fact]
    public async Task Fetch_ApiKeyStepRefused_FailureNamesTheStepAndIamCode_NoAssumeRequest()
    {
        using var iam = TokenEndpointStub.Start().Json(400, FakeIam.ErrorReply("BXNIM0415E", $"Provided API key {SecretValue} could not be found."));
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("IamAssume", iam.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Equal(502, result.Failure.StatusCode);
        Assert.StartsWith("API key token request: ", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("BXNIM0415E", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
        Assert.Single(iam.Requests);
    }

    [Fact]
    public async Task Fetch_AssumeStepRefused_FailureNamesTheStepWithoutTheFirstToken()
    {
        using var iam = TokenEndpointStub.Start();
        iam.Server.Given(WireMock.RequestBuilders.Request.Create().UsingPost()
                .WithBody(new WireMock.Matchers.FormUrlEncodedMatcher("grant_type=urn:ibm:params:oauth:grant-type:apikey")))
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = ApiKeyToken, expires_in = 3600 }));
        iam.Server.Given(WireMock.RequestBuilders.Request.Create().UsingPost()
                .WithBody(new WireMock.Matchers.FormUrlEncodedMatcher("grant_type=urn:ibm:params:oauth:grant-type:assume")))
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(400)
                .WithBodyAsJson(FakeIam.ErrorReply("BXNIM0538E", $"Profile not found for token {ApiKeyToken}")));
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("IamAssume", iam.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.StartsWith("assume request: ", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("BXNIM0538E", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKeyToken, result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
        Assert.Equal(2, iam.RequestCount);
    }
}
