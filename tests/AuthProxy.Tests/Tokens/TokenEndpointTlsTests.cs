using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

/// <summary>TLS to token endpoints: system trust by default, <c>CaCertificateFile</c> adds a CA, <c>AcceptAnyServerCertificate</c> skips checks.</summary>
public sealed class TokenEndpointTlsTests(TestCertificates certificates, ITestOutputHelper output) : IClassFixture<TestCertificates>
{
    [Theory]
    [InlineData("IamApiKey")]
    [InlineData("Cp4dAuthorize")]
    [InlineData("SklmLogin")]
    public async Task Fetch_PrivateCaWithDefaultTrust_FailsNamingTls(string type)
    {
        using var server = TokenEndpointStub.Start(certificates.Server).Succeed();
        using var files = new TempDirectory();
        using var source = Create(OptionsFor(type, server.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        output.WriteLine(result.Failure.Reason);
        Assert.Equal(TokenFailureKind.Failed, result.Failure.Kind);
        Assert.Equal(502, result.Failure.StatusCode);
        Assert.Contains("TLS", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Contains("CaCertificateFile", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }

    [Theory]
    [InlineData("IamApiKey")]
    [InlineData("Cp4dAuthorize")]
    [InlineData("SklmLogin")]
    public async Task Fetch_PrivateCaInCaCertificateFile_Succeeds(string type)
    {
        using var server = TokenEndpointStub.Start(certificates.Server).Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor(type, server.Url, files);
        options.CaCertificateFile = certificates.CaPemFile;
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Fetch_UnrelatedCaInCaCertificateFile_Fails()
    {
        using var server = TokenEndpointStub.Start(certificates.Server).Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("SklmLogin", server.Url, files);
        options.CaCertificateFile = certificates.UnrelatedCaPemFile;
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("TLS", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public async Task Fetch_HostNameNotInCertificate_FailsEvenWithCaCertificateFile()
    {
        // Issued by the trusted CA, but for other.example: an extra CA does not excuse a name mismatch.
        using var server = TokenEndpointStub.Start(certificates.WrongName).Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor("IamApiKey", server.Url, files);
        options.CaCertificateFile = certificates.CaPemFile;
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("TLS", result.Failure.Reason, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }

    [Theory]
    [InlineData("IamApiKey")]
    [InlineData("Cp4dIdentity")]
    [InlineData("SklmAccessToken")]
    public async Task Fetch_AcceptAnyServerCertificate_Succeeds(string type)
    {
        using var server = TokenEndpointStub.Start(certificates.Server).Succeed();
        using var files = new TempDirectory();
        var options = OptionsFor(type, server.Url, files);
        options.AcceptAnyServerCertificate = true;
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
    }
}
