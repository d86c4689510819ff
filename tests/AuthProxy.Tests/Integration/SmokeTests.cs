using System.Net;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Integration;

public sealed class SmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Get_ThroughKmsRoute_ReachesUpstreamWithBearerToken()
    {
        await using var env = await TestEnvironment.StartAsync(output, o => o.Upstream = (c, _) => c.Response.WriteAsync("ok"));

        var response = await env.Client.GetAsync("/kms/api/v2/keys?limit=5");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(env.Upstream.Requests);
        Assert.Equal("/api/v2/keys", seen.Path);
        Assert.Equal("?limit=5", seen.Query);
        Assert.Equal("Bearer tok-1", seen.Header("Authorization"));
        Assert.Equal("instance-guid", seen.Header("bluemix-instance"));
    }
}
