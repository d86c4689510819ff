using AuthProxy.Tests.Infrastructure;
using System.Text;
using AuthProxy.Configuration;
using AuthProxy.InboundAuth;

namespace AuthProxy.Tests.InboundAuth;

public sealed class InboundCredentialCheckTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly InboundClientSet _clients;

    public InboundCredentialCheckTests()
    {
        // A key file as Kubernetes or an editor writes it: surrounding blanks and a trailing newline.
        var keyFile = _folder.Write("batch-key", "  " + InboundConfigs.BatchKey + "\n");
        var problems = new List<ConfigProblem>();
        _clients = InboundAuthConfigReader.Read(InboundConfigs.FromJson(InboundConfigs.Minimal(InboundConfigs.InboundSection(keyFile))), problems);
        Assert.Empty(problems);
    }

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(InboundConfigs.BillingKey, "billing-app")]
    [InlineData(InboundConfigs.BatchKey, "batch")]
    [InlineData(InboundConfigs.LegacyKey, "legacy")]
    public void ApiKey_KeyOfAClient_AuthenticatesThatClient(string key, string client)
    {
        var result = Check(("X-API-Key", key));

        Assert.True(result.Succeeded);
        Assert.Equal(InboundCredentialKind.ApiKey, result.Kind);
        Assert.Equal(client, result.Client!.Name);
    }

    [Fact]
    public void ApiKey_KeyFromFile_IsTrimmedWhenRead()
    {
        Assert.Equal("batch", Check(("X-API-Key", InboundConfigs.BatchKey)).Client?.Name);
        Assert.False(Check(("X-API-Key", "  " + InboundConfigs.BatchKey + "\n")).Succeeded);
    }

    [Fact]
    public void ApiKey_HashedKey_AuthenticatesWithTheKeyNotTheDigest()
    {
        Assert.Equal("legacy", Check(("X-API-Key", InboundConfigs.LegacyKey)).Client?.Name);
        Assert.False(Check(("X-API-Key", InboundConfigs.LegacySha256)).Succeeded);
    }

    [Theory]
    [InlineData("wrong-key")]
    [InlineData("billing-key-7f3a9c0d-SECREt")]
    [InlineData("billing-key-7f3a9c0d-SECRET ")]
    public void ApiKey_WrongKey_IsRefused(string key)
    {
        var result = Check(("X-API-Key", key));

        Assert.False(result.Succeeded);
        Assert.Equal(InboundCredentialKind.ApiKey, result.Kind);
        Assert.DoesNotContain(key.Trim(), result.Failure);
    }

    [Fact]
    public void ApiKey_TwoHeaders_AreRefused()
    {
        var headers = new HeaderDictionary { ["X-API-Key"] = new([InboundConfigs.BillingKey, InboundConfigs.BatchKey]) };

        var result = InboundCredentialCheck.Check(_clients, headers);

        Assert.False(result.Succeeded);
        Assert.Equal(InboundCredentialKind.ApiKey, result.Kind);
    }

    [Fact]
    public void ApiKey_OverLongKey_IsRefusedWithoutHashing()
    {
        Assert.False(Check(("X-API-Key", new string('k', InboundCredentials.MaxKeyBytes + 1))).Succeeded);
    }

    [Theory]
    [InlineData("billing-app", InboundConfigs.BillingKey)]
    [InlineData("batch", InboundConfigs.BatchKey)]
    [InlineData("legacy", InboundConfigs.LegacyKey)]
    [InlineData("Billing-App", InboundConfigs.BillingKey)]
    public void Basic_ClientAndItsKey_AuthenticatesThatClient(string client, string key)
    {
        var result = Check(("Authorization", InboundConfigs.Basic(client, key)));

        Assert.True(result.Succeeded);
        Assert.Equal(InboundCredentialKind.Basic, result.Kind);
        Assert.Equal(client, result.Client!.Name, ignoreCase: true);
    }

    [Fact]
    public void Basic_SchemeNameIsCaseInsensitive()
    {
        var header = "basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("billing-app:" + InboundConfigs.BillingKey));

        Assert.True(Check(("Authorization", header)).Succeeded);
    }

    [Theory]
    [InlineData("nobody", InboundConfigs.BillingKey)]
    [InlineData("billing-app", InboundConfigs.BatchKey)]
    [InlineData("billing-app", "bad-key-x")]
    [InlineData("legacy", "")]
    public void Basic_UnknownClientOrWrongKey_IsRefusedWithoutEchoingIt(string client, string key)
    {
        var result = Check(("Authorization", InboundConfigs.Basic(client, key)));

        Assert.False(result.Succeeded);
        Assert.Equal(InboundCredentialKind.Basic, result.Kind);
        Assert.DoesNotContain(client, result.Failure, StringComparison.OrdinalIgnoreCase);
        if (key.Length > 0)
        {
            Assert.DoesNotContain(key, result.Failure);
        }
    }

    [Theory]
    [InlineData("Basic !!!not-base64!!!")]
    [InlineData("Basic ")]
    [InlineData("Basic bm8tY29sb24=")]
    public void Basic_Malformed_IsRefused(string header)
    {
        var result = Check(("Authorization", header));

        Assert.False(result.Succeeded);
        Assert.Equal(InboundCredentialKind.Basic, result.Kind);
    }

    [Theory]
    [InlineData("Bearer some-upstream-token")]
    [InlineData("ZenApiKey abc")]
    public void OtherAuthorizationSchemes_AreNotInboundCredentials(string header)
    {
        Assert.Equal(InboundCredentialKind.None, Check(("Authorization", header)).Kind);
    }

    [Fact]
    public void NoCredential_IsNeitherAcceptedNorRefused()
    {
        var result = InboundCredentialCheck.Check(_clients, new HeaderDictionary());

        Assert.Equal(InboundCheckResult.NoCredential, result);
    }

    [Fact]
    public void ApiKey_TakesPrecedenceOverBasic()
    {
        var result = Check(("X-API-Key", InboundConfigs.BatchKey), ("Authorization", InboundConfigs.Basic("billing-app", InboundConfigs.BillingKey)));

        Assert.Equal("batch", result.Client?.Name);
    }

    [Fact]
    public void WithoutClients_CredentialsAreIgnored()
    {
        var headers = new HeaderDictionary { ["X-API-Key"] = InboundConfigs.BillingKey };

        Assert.Equal(InboundCheckResult.NoCredential, InboundCredentialCheck.Check(InboundClientSet.Empty, headers));
    }

    [Fact]
    public void ClientSet_ToString_ShowsNamesOnly()
    {
        var text = _clients.ToString();

        Assert.Contains("billing-app", text);
        Assert.DoesNotContain(InboundConfigs.BillingKey, text);
        Assert.DoesNotContain(InboundConfigs.LegacySha256, text, StringComparison.OrdinalIgnoreCase);
    }

    private InboundCheckResult Check(params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary[name] = value;
        }

        return InboundCredentialCheck.Check(_clients, dictionary);
    }
}
