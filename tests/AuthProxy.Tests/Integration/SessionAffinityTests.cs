using System.Net;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Integration;

/// <summary>
/// YARP's session affinity policies work through AuthProxy, HashCookie included (it needs System.IO.Hashing, which
/// the first builds could not restore and therefore rejected).
/// </summary>
public sealed class SessionAffinityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("HashCookie")]
    [InlineData("Cookie")]
    public async Task AffinityCookie_KeepsAClientOnOneDestination(string policy)
    {
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Upstreams.Clear();
            o.Upstreams.Add((c, _) => c.Response.WriteAsync("a"));
            o.Upstreams.Add((c, _) => c.Response.WriteAsync("b"));
            o.Config = e => Configs.Kms(e.Idp.Url, e.Upstreams[0].Url).Replace(
                $$"""{ "Destinations": { "d1": { "Address": "{{e.Upstreams[0].Url}}/" } } }""",
                $$"""
                { "LoadBalancingPolicy": "RoundRobin",
                  "SessionAffinity": { "Enabled": true, "Policy": "{{policy}}", "AffinityKeyName": "ap-affinity" },
                  "Destinations": { "a": { "Address": "{{e.Upstreams[0].Url}}/" }, "b": { "Address": "{{e.Upstreams[1].Url}}/" } } }
                """);
        });
        Assert.Contains($"\"Policy\": \"{policy}\"", await File.ReadAllTextAsync(env.Proxy.ConfigPath));
        var client = env.Client;

        using var first = await client.GetAsync("/kms/x");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"), c => c.StartsWith("ap-affinity=", StringComparison.Ordinal));
        var pinned = await first.Content.ReadAsStringAsync();

        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/kms/x");
            request.Headers.Add("Cookie", cookie.Split(';')[0]);
            using var response = await client.SendAsync(request);
            Assert.Equal(pinned, await response.Content.ReadAsStringAsync());
        }

        // Without the cookie, round robin uses both destinations.
        var seen = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            seen.Add(await client.GetStringAsync("/kms/x"));
        }

        Assert.Equal(["a", "b"], seen.Order());
    }
}
