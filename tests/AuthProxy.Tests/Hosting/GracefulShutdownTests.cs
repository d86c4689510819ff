using System.Net;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Hosting;

/// <summary>
/// Graceful shutdown (README "Running a fleet"): once the host is stopping, <c>/readyz</c> answers 503 while the proxy keeps
/// serving for <c>Shutdown:DrainDelay</c>, and the requests in flight finish. The drain runs on the proxy's clock, which the
/// test holds, so nothing here waits on time.
/// </summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Stopping_ReadyzAnswers503_WhileTheProxyStillServes_AndRequestsInFlightFinish()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var env = await TestEnvironment.StartAsync(output, options =>
        {
            options.Time = time;
            options.Idp = FakeIam.Tokens(time: time);
            options.Upstream = async (_, request) =>
            {
                if (request.Path == "/slow")
                {
                    await release.Task.WaitAsync(TestTimeouts.Default);
                }
            };
            options.ProxyArgs.AddRange(["--Shutdown:DrainDelay", "00:00:30"]);
        });
        var client = env.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        var inFlight = client.GetAsync("/kms/slow");
        await env.Upstream.NextRequestAsync();

        var stopping = env.Proxy.App.StopAsync();

        Assert.True(await Eventually.TrueAsync(async () => (await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable),
            "/readyz did not turn 503 once the host began stopping");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/during-drain")).StatusCode); // still serving while taken out
        Assert.False(stopping.IsCompleted);

        release.SetResult();
        using (var finished = await inFlight)
        {
            Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        }

        time.Advance(TimeSpan.FromSeconds(30)); // the drain delay is over: the listeners close, the host stops
        await stopping.WaitAsync(TestTimeouts.Default);
        Assert.Contains(env.Proxy.Logs, l => l.Contains("[3020]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutADrainDelay_ReadyzStill503_AndTheHostStopsAtOnce()
    {
        await using var env = await TestEnvironment.StartAsync(output);
        var lifetime = env.Proxy.Services.GetRequiredService<IHostApplicationLifetime>();
        var check = ActivatorUtilities.CreateInstance<AuthProxy.Hosting.ConfigReadinessCheck>(env.Proxy.Services);

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, (await check.CheckHealthAsync(new())).Status);
        await env.Proxy.App.StopAsync().WaitAsync(TestTimeouts.Default);

        Assert.True(lifetime.ApplicationStopping.IsCancellationRequested);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, (await check.CheckHealthAsync(new())).Status);
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("00:02:00")]
    [InlineData("soon")]
    public void DrainDelay_OutOfRange_IsRefusedAtItsKey(string value)
    {
        var snapshot = ConfigChecks.Judge(new ConfigurationBuilder().AddInMemoryCollection([new("Shutdown:DrainDelay", value)]).Build());

        Assert.Equal("Shutdown:DrainDelay", Assert.Single(snapshot.Problems).Path);
    }
}
