using System.Net;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Integration;

public sealed class SmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Get_ThroughKmsRoute_ReachesUpstreamWithBearerToken()
    {
        await using var iam = await FakeServer.StartAsync(FakeIam.Tokens());
        await using var upstream = await FakeServer.StartAsync((c, _) => c.Response.WriteAsync("ok"));
        await using var proxy = await ProxyHost.StartAsync(Configs.Kms(iam.Url, upstream.Url), output);
        using var client = proxy.CreateClient();

        var response = await client.GetAsync("/kms/api/v2/keys?limit=5");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(upstream.Requests);
        Assert.Equal("/api/v2/keys", seen.Path);
        Assert.Equal("?limit=5", seen.Query);
        Assert.Equal("Bearer tok-1", seen.Header("Authorization"));
        Assert.Equal("instance-guid", seen.Header("bluemix-instance"));
    }
}
