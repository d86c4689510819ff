using AuthProxy.Tests.Infrastructure;
using AuthProxy.Configuration;
using AuthProxy.Tokens;
using AuthProxy.Tokens.CloudPak;
using AuthProxy.Tokens.Iam;
using AuthProxy.Tokens.OAuth2;
using AuthProxy.Tokens.Sklm;
using Microsoft.Extensions.Configuration;

namespace AuthProxy.Tests.Tokens;

/// <summary>docs/configuration.md's option table: each type's required options are reported with their config key paths.</summary>
public sealed class TokenProviderValidationTests
{
    private static IReadOnlyList<ConfigProblem> Problems(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>("TokenProviders:x:" + s.Key, s.Value)))
            .Build();
        return ConfigChecks.Judge(configuration).Problems;
    }

    private static string[] Paths(IEnumerable<ConfigProblem> problems) => problems.Select(p => p.Path).Order(StringComparer.Ordinal).ToArray();

    [Theory]
    [InlineData("IamApiKey", "ApiKey")]
    [InlineData("IamTrustedProfile", "ProfileId")]
    [InlineData("Cp4dAuthorize", "ApiKey,Url,Username")]
    [InlineData("Cp4dIdentity", "Password,Url,Username")]
    [InlineData("Cp4dSignin", "Password,Url,Username")]
    [InlineData("ZenApiKey", "ApiKey,Username")]
    [InlineData("SklmLogin", "Password,Url,UserId")]
    [InlineData("SklmAccessToken", "Password,Url,UserId")]
    [InlineData("IamAssume", "ApiKey,ProfileId")]
    [InlineData("OAuth2ClientCredentials", "ClientId,ClientSecret,TokenUrl")]
    public void Validate_TypeOnly_ReportsEveryRequiredOptionWithItsPath(string type, string missing)
    {
        var problems = Problems(("Type", type));

        var expected = missing.Split(',').Select(o => "TokenProviders:x:" + o).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, Paths(problems));
    }

    [Theory]
    [InlineData("IamApiKey", typeof(IamApiKeySource), "ApiKey=k")]
    [InlineData("IamApiKey", typeof(IamApiKeySource), "ApiKey=k", "TokenUrl=https://iam.test.cloud.ibm.com", "Scope=ibm openid", "ClientId=bx", "ClientSecret=bx")]
    [InlineData("IamTrustedProfile", typeof(IamTrustedProfileSource), "ProfileId=Profile-1")]
    [InlineData("IamTrustedProfile", typeof(IamTrustedProfileSource), "ProfileName=my-profile", "TokenUrl=http://127.0.0.1:1/identity/token")]
    [InlineData("Cp4dAuthorize", typeof(Cp4dAuthorizeSource), "Url=https://cpd.example.com", "Username=admin", "ApiKey=k")]
    [InlineData("Cp4dAuthorize", typeof(Cp4dAuthorizeSource), "Url=https://cpd.example.com/icp4d-api", "Username=admin", "Password=p")]
    [InlineData("Cp4dIdentity", typeof(Cp4dIdentitySource), "Url=https://cpd.example.com", "Username=admin", "Password=p")]
    [InlineData("Cp4dIdentity", typeof(Cp4dIdentitySource), "Url=https://cpd.example.com", "IdentityUrl=https://cp-console.example.com", "Username=admin", "Password=p")]
    [InlineData("Cp4dSignin", typeof(Cp4dSigninSource), "Url=http://cpd.example.com", "Username=admin", "Password=p")]
    [InlineData("ZenApiKey", typeof(ZenApiKeySource), "Username=admin", "ApiKey=k")]
    [InlineData("SklmLogin", typeof(SklmLoginSource), "Url=https://sklm.example.com:9443", "UserId=sklmadmin", "Password=p")]
    [InlineData("SklmAccessToken", typeof(SklmAccessTokenSource), "Url=https://sklm.example.com:9443", "UserId=sklmadmin", "Password=p")]
    [InlineData("IamAssume", typeof(IamAssumeSource), "ApiKey=k", "ProfileId=Profile-1")]
    [InlineData("IamAssume", typeof(IamAssumeSource), "ApiKey=k", "ProfileCrn=crn:v1:bluemix:public:iam-identity::a/1::profile:Profile-1", "Scope=ibm")]
    [InlineData("IamAssume", typeof(IamAssumeSource), "ApiKey=k", "ProfileName=p", "AccountId=a1", "TokenUrl=https://private.iam.cloud.ibm.com")]
    [InlineData("VpcInstanceIdentity", typeof(VpcInstanceIdentitySource))]
    [InlineData("VpcInstanceIdentity", typeof(VpcInstanceIdentitySource), "MetadataUrl=http://169.254.169.254", "ProfileCrn=crn:v1:x")]
    [InlineData("OAuth2ClientCredentials", typeof(OAuth2ClientCredentialsSource), "TokenUrl=https://idp.example.com/oauth2/token", "ClientId=c", "ClientSecret=s")]
    [InlineData("OAuth2ClientCredentials", typeof(OAuth2ClientCredentialsSource), "TokenUrl=https://idp.example.com/token", "ClientId=c", "ClientSecret=s",
        "ClientAuthentication=Body", "Scope=a b", "Audience=https://api.example.com", "Parameters:resource=urn:x", "Parameters:tenant=t1")]
    public void Validate_RequiredOptionsPresent_IsValidAndCreatesTheTypesSource(string type, Type sourceType, params string[] settings)
    {
        var all = settings.Select(s => s.Split('=', 2)).Select(p => (p[0], p[1])).Prepend(("Type", type)).ToArray();

        var problems = Problems(all);

        Assert.Empty(problems);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(all.Select(s => new KeyValuePair<string, string?>("TokenProviders:x:" + s.Item1, s.Item2)))
            .Build();
        var definition = Assert.Single(ConfigChecks.Judge(configuration).Providers);
        using var source = TokenProviderTypes.CreateSource(definition.Options, TimeProvider.System);
        Assert.IsType(sourceType, source);
    }

    [Theory]
    [InlineData("Cp4dAuthorize", "Url", "ftp://cpd.example.com")]
    [InlineData("Cp4dAuthorize", "Url", "cpd.example.com")]
    [InlineData("Cp4dIdentity", "IdentityUrl", "not a url")]
    [InlineData("SklmLogin", "Url", "/relative/path")]
    [InlineData("IamTrustedProfile", "TokenUrl", "iam.cloud.ibm.com/identity/token")]
    public void Validate_UrlNotAbsoluteHttp_ReportsItsPath(string type, string option, string value)
    {
        // The type's own sample entry, with the one URL made wrong.
        using var files = new TempDirectory();
        var settings = TokenProviderTypes.Find(type)!.Sample("https://ok.example.com", "k", files.Write)
            .Where(s => s.Key != option).Select(s => (s.Key, s.Value)).Prepend(("Type", type)).ToList();
        settings.Add((option, value));

        var problem = Assert.Single(Problems([.. settings]));

        Assert.Equal("TokenProviders:x:" + option, problem.Path);
        Assert.Contains("absolute http or https", problem.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("IamApiKey", "ProfileId")]
    [InlineData("SklmLogin", "ApiKey")]
    [InlineData("ZenApiKey", "Url")]
    public void Validate_AnOptionOfAnotherType_IsRefusedNamingTheTypesOptions(string type, string option)
    {
        using var files = new TempDirectory();
        var settings = TokenProviderTypes.Find(type)!.Sample("https://ok.example.com", "k", files.Write)
            .Select(s => (s.Key, s.Value)).Prepend(("Type", type)).Append((option, "x")).ToArray();

        var problem = Assert.Single(Problems(settings));

        Assert.Equal("TokenProviders:x:" + option, problem.Path);
        Assert.StartsWith($"does not apply to type '{type}' (its options: ", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRegisteredType_ItsSampleIsValid_AndItsSourceIsCreated()
    {
        using var files = new TempDirectory();
        foreach (var type in TokenProviderTypes.All)
        {
            var settings = type.Sample("https://idp.example.com", "secret-value", files.Write).Select(s => (s.Key, s.Value)).Prepend(("Type", type.Name)).ToArray();
            Assert.Empty(Problems(settings));
            Assert.All(type.SecretOptions, secret => Assert.Contains(TokenProviderType.FileOption(secret), type.Options));
            Assert.All(type.Options, option => Assert.NotNull(typeof(TokenProviderOptions).GetProperty(option)));
        }
    }

    [Fact]
    public void Validate_SecretFileMissing_ReportsTheFileOptionNotThePath()
    {
        var missing = Path.Combine(Path.GetTempPath(), "authproxy-tests", Guid.NewGuid().ToString("N"));

        var problems = Problems(("Type", "SklmLogin"), ("Url", "https://sklm.example.com"), ("UserId", "u"), ("PasswordFile", missing));

        var problem = Assert.Single(problems);
        Assert.Equal("TokenProviders:x:PasswordFile", problem.Path);
        Assert.Contains("the file it names does not exist", problem.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(missing, problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CrTokenFileMissing_ReportsItsPath()
    {
        var missing = Path.Combine(Path.GetTempPath(), "authproxy-tests", Guid.NewGuid().ToString("N"));

        var problem = Assert.Single(Problems(("Type", "IamTrustedProfile"), ("ProfileId", "p"), ("CrTokenFile", missing)));

        Assert.Equal("TokenProviders:x:CrTokenFile", problem.Path);
    }

    [Theory]
    [InlineData("ClientId", "bx", "TokenProviders:x:ClientSecret")]
    [InlineData("ClientSecret", "bx", "TokenProviders:x:ClientId")]
    public void Validate_IamClientIdWithoutSecretOrViceVersa_ReportsTheMissingHalf(string option, string value, string expectedPath)
    {
        var problem = Assert.Single(Problems(("Type", "IamApiKey"), ("ApiKey", "k"), (option, value)));

        Assert.Equal(expectedPath, problem.Path);
    }

    [Fact]
    public void Validate_ProblemReasons_NeverEchoSecrets()
    {
        var problems = Problems(("Type", "Cp4dAuthorize"), ("Url", "not-a-url"), ("Password", ProviderTestKit.SecretValue));

        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.DoesNotContain(ProviderTestKit.SecretValue, p.Reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ProfileName=p", "TokenProviders:x:AccountId", "required with ProfileName")]
    [InlineData("AccountId=a", "TokenProviders:x:ProfileId", "required")]
    [InlineData("ProfileId=p|ProfileCrn=c", "TokenProviders:x:ProfileId", "only one of")]
    public void Validate_IamAssumeProfileChoice_IsReportedWithItsPath(string settings, string path, string reason)
    {
        var all = settings.Split('|').Select(s => s.Split('=', 2)).Select(p => (p[0], p[1])).Prepend(("ApiKey", "k")).Prepend(("Type", "IamAssume")).ToArray();

        var problems = Problems(all);

        Assert.Contains(problems, p => p.Path == path && p.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_VpcProfileIdAndCrn_IsRefused()
    {
        var problem = Assert.Single(Problems(("Type", "VpcInstanceIdentity"), ("ProfileId", "p"), ("ProfileCrn", "c")));

        Assert.Equal("TokenProviders:x:ProfileId", problem.Path);
    }

    [Theory]
    [InlineData("ClientAuthentication", "Header", "TokenProviders:x:ClientAuthentication", "Basic")]
    [InlineData("Parameters", "resource=x", "TokenProviders:x:Parameters", "object of names")]
    [InlineData("Parameters:grant_type", "password", "TokenProviders:x:Parameters:grant_type", "set by the grant")]
    [InlineData("Parameters:scope", "x", "TokenProviders:x:Parameters:scope", "use the Scope option")]
    [InlineData("Parameters:nested:deeper", "x", "TokenProviders:x:Parameters:nested", "single value")]
    public void Validate_OAuth2Mistakes_AreReportedWithTheirPath(string option, string value, string path, string reason)
    {
        var problem = Assert.Single(Problems(("Type", "OAuth2ClientCredentials"), ("TokenUrl", "https://idp.example.com/token"),
            ("ClientId", "c"), ("ClientSecret", "s"), (option, value)));

        Assert.Equal(path, problem.Path);
        Assert.Contains(reason, problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ParametersOnAnotherType_DoesNotApply()
    {
        var problem = Assert.Single(Problems(("Type", "IamApiKey"), ("ApiKey", "k"), ("Parameters:resource", "x")));

        Assert.Equal("TokenProviders:x:Parameters", problem.Path);
        Assert.StartsWith("does not apply to type 'IamApiKey'", problem.Reason, StringComparison.Ordinal);
    }
}
