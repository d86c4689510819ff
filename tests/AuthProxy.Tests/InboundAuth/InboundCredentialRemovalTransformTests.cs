using AuthProxy.Tests.Infrastructure;
using AuthProxy.Configuration;
using AuthProxy.InboundAuth;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Transforms;

namespace AuthProxy.Tests.InboundAuth;

public sealed class InboundCredentialRemovalTransformTests
{
    private readonly InboundClientStore _store = new([], NullLogger<InboundClientStore>.Instance);

    public InboundCredentialRemovalTransformTests()
    {
        var problems = new List<ConfigProblem>();
        var set = _store.Prepare(InboundConfigs.FromJson(InboundConfigs.Minimal($$"""{ "Clients": { "billing-app": { "ApiKey": "{{InboundConfigs.BillingKey}}" } } }""")), problems);
        Assert.Empty(problems);
        _store.Update(set!);
    }

    [Fact]
    public async Task ApiKeyHeader_IsRemoved()
    {
        var (context, proxyRequest) = NewContext(("X-API-Key", InboundConfigs.BillingKey), ("Accept", "application/json"));

        await new InboundCredentialRemovalTransform(_store).ApplyAsync(context);

        Assert.False(proxyRequest.Headers.Contains("X-API-Key"));
        Assert.True(proxyRequest.Headers.Contains("Accept"));
    }

    [Fact]
    public async Task ApiKeyHeader_IsRemovedEvenWithoutClients()
    {
        var (context, proxyRequest) = NewContext(("X-API-Key", "anything"));

        await new InboundCredentialRemovalTransform(new InboundClientStore([], NullLogger<InboundClientStore>.Instance)).ApplyAsync(context);

        Assert.False(proxyRequest.Headers.Contains("X-API-Key"));
    }

    [Fact]
    public async Task BasicCredentialOfAClient_IsRemoved_EvenWithAWrongKey()
    {
        var (context, proxyRequest) = NewContext(("Authorization", InboundConfigs.Basic("billing-app", "not-the-key")));

        await new InboundCredentialRemovalTransform(_store).ApplyAsync(context);

        Assert.Null(proxyRequest.Headers.Authorization);
    }

    [Theory]
    [InlineData("Basic dXBzdHJlYW0tdXNlcjpwYXNzd29yZA==")] // upstream-user:password
    [InlineData("Bearer upstream-token")]
    public async Task OtherAuthorization_PassesThrough(string value)
    {
        var (context, proxyRequest) = NewContext(("Authorization", value));

        await new InboundCredentialRemovalTransform(_store).ApplyAsync(context);

        Assert.Equal(value, proxyRequest.Headers.GetValues("Authorization").Single());
    }

    private static (RequestTransformContext Context, HttpRequestMessage ProxyRequest) NewContext(params (string Name, string Value)[] headers)
    {
        var httpContext = new DefaultHttpContext();
        var proxyRequest = new HttpRequestMessage();
        foreach (var (name, value) in headers)
        {
            httpContext.Request.Headers[name] = value;
            proxyRequest.Headers.TryAddWithoutValidation(name, value);
        }

        return (new RequestTransformContext { HttpContext = httpContext, ProxyRequest = proxyRequest, HeadersCopied = true }, proxyRequest);
    }
}
