using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using WireMock;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

/// <summary>Secrets from files are read at each fetch: a rotated file is picked up; a missing or empty one is a clear failure.</summary>
public sealed class SecretFileTests
{
    /// <summary>Type, the file option, and where the secret shows in the token request.</summary>
    public static TheoryData<string, string, string> FileOptions() => new()
    {
        { "IamApiKey", "ApiKeyFile", "form:apikey" },
        { "IamApiKey", "ClientSecretFile", "basic" },
        { "IamTrustedProfile", "CrTokenFile", "form:cr_token" },
        { "Cp4dAuthorize", "ApiKeyFile", "json:api_key" },
        { "Cp4dAuthorize", "PasswordFile", "json:password" },
        { "Cp4dIdentity", "PasswordFile", "form:password" },
        { "Cp4dSignin", "PasswordFile", "json:password" },
        { "SklmLogin", "PasswordFile", "json:password" },
        { "SklmAccessToken", "PasswordFile", "json:password" },
    };

    [Theory]
    [MemberData(nameof(FileOptions))]
    public async Task Fetch_SecretFileRotated_NextFetchSendsNewSecret(string type, string fileOption, string where)
    {
        using var server = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var options = WithSecretFile(OptionsFor(type, server.Url, files), fileOption, files.Write("secret", "first-secret-value\n"));
        using var source = Create(options);

        var first = await source.FetchOnceAsync();
        files.Write("secret", "second-secret-value\n");
        var second = await source.FetchOnceAsync();

        Assert.True(first.Succeeded, first.ToString());
        Assert.True(second.Succeeded, second.ToString());
        var sent = server.Requests.Where(r => !r.Path.EndsWith("/validateAuth", StringComparison.Ordinal)).Select(r => SentSecret(r, where)).ToArray();
        Assert.Equal<IEnumerable<string?>>(["first-secret-value", "second-secret-value"], sent);
    }

    [Theory]
    [MemberData(nameof(FileOptions))]
    public async Task Fetch_SecretFileMissing_FailsNamingTheOptionWithoutCallingEndpoint(string type, string fileOption, string where)
    {
        _ = where;
        using var server = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var path = files.PathOf("not-there");
        using var source = Create(WithSecretFile(OptionsFor(type, server.Url, files), fileOption, path));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Equal(502, result.Failure.StatusCode);
        Assert.Contains($"the file named by {fileOption} does not exist", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(path, result.Failure.Reason, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }

    [Theory]
    [MemberData(nameof(FileOptions))]
    public async Task Fetch_SecretFileEmpty_FailsNamingTheOptionWithoutCallingEndpoint(string type, string fileOption, string where)
    {
        _ = where;
        using var server = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var path = files.Write("blank", " \n\t\n");
        using var source = Create(WithSecretFile(OptionsFor(type, server.Url, files), fileOption, path));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Contains($"the file named by {fileOption} is empty", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public async Task Fetch_SecretFileUnreadable_FailsNamingTheOptionNotContent()
    {
        using var server = TokenEndpointStub.Start().Succeed();
        using var files = new TempDirectory();
        var directory = files.PathOf("a-directory");
        Directory.CreateDirectory(directory);
        using var source = Create(WithSecretFile(OptionsFor("SklmLogin", server.Url, files), "PasswordFile", directory));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("the file named by PasswordFile is not a regular file", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }

    private static TokenProviderOptions WithSecretFile(TokenProviderOptions options, string fileOption, string path)
    {
        switch (fileOption)
        {
            case "ApiKeyFile":
                options.ApiKey = null;
                options.ApiKeyFile = path;
                break;
            case "PasswordFile":
                options.ApiKey = null;
                options.Password = null;
                options.PasswordFile = path;
                break;
            case "CrTokenFile":
                options.CrTokenFile = path;
                break;
            case "ClientSecretFile":
                options.ClientId = "bx";
                options.ClientSecretFile = path;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fileOption));
        }

        return options;
    }

    private static string? SentSecret(IRequestMessage request, string where)
    {
        if (where == "basic")
        {
            var encoded = request.Header("Authorization")!["Basic ".Length..];
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(encoded))["bx:".Length..];
        }

        var (kind, field) = (where.Split(':')[0], where.Split(':')[1]);
        return kind == "form" ? request.Form()[field] : request.JsonBody()[field];
    }
}
