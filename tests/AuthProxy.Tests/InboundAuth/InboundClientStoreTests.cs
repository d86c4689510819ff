using AuthProxy.Tests.Infrastructure;
using AuthProxy.InboundAuth;
using Microsoft.Extensions.Logging.Abstractions;

namespace AuthProxy.Tests.InboundAuth;

public sealed class InboundClientStoreTests
{
    private static readonly string OneClient = $$"""{ "Clients": { "billing-app": { "ApiKey": "{{InboundConfigs.BillingKey}}" } } }""";
    private static readonly string OtherClient = $$"""{ "Clients": { "batch": { "ApiKey": "{{InboundConfigs.BatchKey}}" } } }""";

    [Fact]
    public void Apply_ValidSection_ReplacesTheWholeSet()
    {
        var store = NewStore();
        Assert.Empty(store.Apply(InboundConfigs.FromJson(InboundConfigs.Minimal(OneClient))));
        Assert.True(store.Current.ContainsName("billing-app"));

        Assert.Empty(store.Apply(InboundConfigs.FromJson(InboundConfigs.Minimal(OtherClient))));

        Assert.False(store.Current.ContainsName("billing-app"));
        Assert.True(store.Current.ContainsName("batch"));
    }

    [Fact]
    public void Apply_InvalidSection_KeepsTheSetInForce()
    {
        var store = NewStore();
        Assert.Empty(store.Apply(InboundConfigs.FromJson(InboundConfigs.Minimal(OneClient))));
        var before = store.Current;

        var problems = store.Apply(InboundConfigs.FromJson(InboundConfigs.Minimal("""{ "Clients": { "x": { "ApiKeySha256": "abc" } } }""")));

        Assert.Equal("InboundAuth:Clients:x:ApiKeySha256", Assert.Single(problems).Path);
        Assert.Same(before, store.Current);
    }

    [Fact]
    public void Prepare_RemovingEveryClientWhileListeningBeyondLoopback_IsRefused()
    {
        var store = NewStore(["http://0.0.0.0:8080"]);
        Assert.Empty(store.Apply(InboundConfigs.FromJson(InboundConfigs.Minimal(OneClient))));
        var problems = new List<AuthProxy.Configuration.ConfigProblem>();

        var set = store.Prepare(InboundConfigs.FromJson(InboundConfigs.Minimal()), problems);

        Assert.Null(set);
        var problem = Assert.Single(problems);
        Assert.Equal("InboundAuth:Clients", problem.Path);
        Assert.Contains("0.0.0.0:8080", problem.Reason);
        Assert.True(store.Current.ContainsName("billing-app"));
    }

    [Fact]
    public void Prepare_NoClientsBeyondLoopbackWithAllowAnonymous_IsAccepted()
    {
        var store = NewStore(["http://0.0.0.0:8080"]);

        Assert.Empty(store.Apply(InboundConfigs.FromJson(InboundConfigs.Minimal("""{ "AllowAnonymous": true }"""))));
        Assert.True(store.Current.AllowAnonymous);
    }

    [Fact]
    public void Prepare_CandidateAddingANonLoopbackKestrelEndpointWithoutClients_IsRefused()
    {
        var store = NewStore();
        var json = InboundConfigs.Minimal().TrimEnd().TrimEnd('}') + """, "Kestrel": { "Endpoints": { "pub": { "Url": "http://0.0.0.0:9000" } } } }""";

        var problems = store.Apply(InboundConfigs.FromJson(json));

        Assert.Equal("InboundAuth:Clients", Assert.Single(problems).Path);
    }

    private static InboundClientStore NewStore(string[]? listeners = null) => new(listeners ?? [], NullLogger<InboundClientStore>.Instance);
}
