using System.Net;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Integration;

/// <summary>docs/tokens.md: a failing token endpoint sees at most one request per backoff step, however many clients wait.</summary>
public sealed class BackoffTests(ITestOutputHelper output)
{
    [Fact]
    public async Task FailingIam_TwoHundredRequestsOverThreeSeconds_CauseAHandfulOfTokenRequests()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Idp = FakeIam.Error(500, "BXNIM0001E", "Internal error");
            o.Time = time;
            o.MinimumLevel = LogLevel.Information;
        });
        var client = env.Client;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200; i++)
        {
            using var response = await client.GetAsync("/kms/api/v2/keys");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }

            time.Advance(TimeSpan.FromMilliseconds(15)); // 200 × 15 ms = 3 s of proxy time
        }

        Assert.InRange(env.Idp.RequestCount, 2, 4); // t≈0 s, ≈1 s, ≈3 s
        Assert.Equal(env.Idp.RequestCount, statuses.Count(s => s == HttpStatusCode.BadGateway));
        Assert.Equal(200 - env.Idp.RequestCount, statuses.Count(s => s == HttpStatusCode.ServiceUnavailable));
        Assert.Equal(0, env.Upstream.RequestCount);
    }

    [Fact]
    public async Task TooManyRequestsWithRetryAfter_IsHonoured_ThenSuccessResets()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var throttled = true;
        var tokens = FakeIam.Tokens();
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Idp = (c, r) =>
            {
                if (!throttled)
                {
                    return tokens(c, r);
                }

                c.Response.Headers.RetryAfter = "2";
                return FakeIam.Json(c, 429, new { errorCode = "BXNIM0429E", errorMessage = "Too many requests" });
            };
            o.Time = time;
        });
        var client = env.Client;

        Assert.Equal(HttpStatusCode.BadGateway, (await client.GetAsync("/kms/x")).StatusCode);
        time.Advance(TimeSpan.FromSeconds(1.5)); // beyond the 1 s exponential step, inside Retry-After
        using (var during = await client.GetAsync("/kms/x"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), during.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(1, env.Idp.RequestCount);
        throttled = false;
        time.Advance(TimeSpan.FromSeconds(0.6));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/x")).StatusCode);
        Assert.Equal(2, env.Idp.RequestCount);
    }
}
