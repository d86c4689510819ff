using System.Net;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Integration;

/// <summary>
/// docs/tokens.md: a 401 that is about the request, not the token (Key Protect answers 401 when the service ID lacks
/// permission on a key), costs no token request; whatever clients do, 401s cause at most one token request per provider
/// per 10 s beyond what a revocation needs; a revocation is still repaired at once. Clients run over real sockets and the
/// fake IAM counts the token requests.
/// </summary>
public sealed class UnauthorizedStormTests(ITestOutputHelper output)
{
    private const string Permitted = "/kms/api/v2/keys/permitted";
    private const string Refused = "/kms/api/v2/keys/forbidden";

    private int _revokedUpTo;

    [Fact]
    public async Task RefusedAndPermittedTraffic_Concurrently_CostsAtMostOneExtraTokenRequest()
    {
        await using var env = await StartAsync();

        var refused = Enumerable.Range(0, 2).Select(_ => LoopAsync(env.Proxy, [Refused], 150)).ToArray();
        var permitted = Enumerable.Range(0, 2).Select(i => LoopAsync(env.Proxy, [$"{Permitted}-{i}"], 150)).ToArray();
        await Task.WhenAll([.. refused, .. permitted]).WaitAsync(TestTimeouts.Default);

        output.WriteLine($"token requests: {env.Iam.RequestCount}");
        Assert.All(permitted, c => Assert.All(c.Result, s => Assert.Equal(HttpStatusCode.OK, s)));
        Assert.All(refused, c => Assert.All(c.Result, s => Assert.Equal(HttpStatusCode.Unauthorized, s)));
        Assert.InRange(env.Iam.RequestCount, 1, 2);
    }

    [Fact]
    public async Task RefusedTrafficOnly_CostsAtMostOneExtraTokenRequest()
    {
        await using var env = await StartAsync();

        var clients = Enumerable.Range(0, 4).Select(_ => LoopAsync(env.Proxy, [Refused], 150)).ToArray();
        await Task.WhenAll(clients).WaitAsync(TestTimeouts.Default);

        output.WriteLine($"token requests: {env.Iam.RequestCount}");
        Assert.All(clients, c => Assert.All(c.Result, s => Assert.Equal(HttpStatusCode.Unauthorized, s)));
        Assert.InRange(env.Iam.RequestCount, 1, 2);
    }

    [Fact]
    public async Task RevocationDuringRefusedTraffic_IsRepairedWithExactlyOneTokenRequest()
    {
        await using var env = await StartAsync();
        using var stop = new CancellationTokenSource();
        var refusedSeen = 0;
        var refusedSettled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refused = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            using var client = env.Proxy.CreateClient();
            var statuses = new List<HttpStatusCode>();
            while (!stop.IsCancellationRequested)
            {
                using var response = await client.GetAsync(Refused);
                statuses.Add(response.StatusCode);
                if (Interlocked.Increment(ref refusedSeen) == 40)
                {
                    refusedSettled.TrySetResult();
                }
            }

            return statuses;
        })).ToArray();

        await refusedSettled.Task.WaitAsync(TestTimeouts.Default);
        var before = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => LoopAsync(env.Proxy, [$"{Permitted}-{i}"], 50)))
            .WaitAsync(TestTimeouts.Default);
        var tokensBefore = env.Iam.RequestCount;

        Volatile.Write(ref _revokedUpTo, tokensBefore); // every token issued so far is revoked, as after a key rotation
        var after = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => LoopAsync(env.Proxy, [$"{Permitted}-{i}"], 50)))
            .WaitAsync(TestTimeouts.Default);
        var tokensAfter = env.Iam.RequestCount;
        await stop.CancelAsync();
        var refusedStatuses = await Task.WhenAll(refused).WaitAsync(TestTimeouts.Default);

        output.WriteLine($"token requests: {tokensBefore} before the revocation, {tokensAfter} after");
        Assert.All(before.Concat(after), c => Assert.All(c, s => Assert.Equal(HttpStatusCode.OK, s)));
        Assert.All(refusedStatuses, c => Assert.All(c, s => Assert.Equal(HttpStatusCode.Unauthorized, s)));
        Assert.Equal(tokensBefore + 1, tokensAfter);
        Assert.InRange(tokensBefore, 1, 2);
    }

    [Fact]
    public async Task OneKeepAliveClient_AlternatingPermittedAndRefusedRoutes_CostsOneExtraTokenRequest()
    {
        await using var env = await StartAsync(TwoRoutes);

        var statuses = await LoopAsync(env.Proxy, ["/a/api/v2/keys", "/b/api/v2/keys"], 400).WaitAsync(TestTimeouts.Default);

        output.WriteLine($"token requests: {env.Iam.RequestCount}");
        Assert.All(statuses.Where((_, i) => i % 2 == 0), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.All(statuses.Where((_, i) => i % 2 == 1), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(2, env.Iam.RequestCount);
    }

    /// <summary>One client on its own keep-alive connection, sending <paramref name="count"/> GETs round the paths.</summary>
    private static Task<List<HttpStatusCode>> LoopAsync(ProxyHost proxy, string[] paths, int count) => Task.Run(async () =>
    {
        using var client = proxy.CreateClient();
        var statuses = new List<HttpStatusCode>(count);
        for (var i = 0; i < count; i++)
        {
            using var response = await client.GetAsync(paths[i % paths.Length]);
            statuses.Add(response.StatusCode);
        }

        return statuses;
    });

    private async Task<Env> StartAsync(Func<string, string, string>? config = null)
    {
        var iam = await FakeServer.StartAsync(FakeIam.Tokens());
        var upstream = await FakeServer.StartAsync(async (c, r) =>
        {
            var authorization = r.Header("Authorization") ?? "";
            var number = authorization.StartsWith("Bearer tok-", StringComparison.Ordinal) ? int.Parse(authorization[11..]) : 0;
            if (r.Path.Contains("/forbidden", StringComparison.Ordinal) || r.Header("bluemix-instance") != "instance-guid" ||
                number <= Volatile.Read(ref _revokedUpTo))
            {
                c.Response.StatusCode = 401;
                await c.Response.WriteAsync("""{"resources":[{"errorMsg":"Unauthorized: The user does not have access to the specified resource"}]}""");
                return;
            }

            await c.Response.WriteAsync("ok");
        });
        var proxy = await ProxyHost.StartAsync((config ?? ((i, u) => Configs.Kms(i, u)))(iam.Url, upstream.Url), output, minimumLevel: LogLevel.Information);
        return new Env(iam, upstream, proxy);
    }

    /// <summary>Two routes on one provider; the second sends a wrong <c>bluemix-instance</c>, so the upstream refuses all of it.</summary>
    private static string TwoRoutes(string iamUrl, string upstreamUrl) => $$"""
    {
      "TokenProviders": {
        "kp": { "Type": "IamApiKey", "ApiKey": "{{Configs.ApiKey}}", "TokenUrl": "{{iamUrl}}/identity/token" }
      },
      "ReverseProxy": {
        "Routes": {
          "a": {
            "ClusterId": "keyprotect",
            "Match": { "Path": "/a/{**rest}" },
            "Transforms": [ { "PathRemovePrefix": "/a" }, { "AuthToken": "kp" }, { "RequestHeader": "bluemix-instance", "Set": "instance-guid" } ]
          },
          "b": {
            "ClusterId": "keyprotect",
            "Match": { "Path": "/b/{**rest}" },
            "Transforms": [ { "PathRemovePrefix": "/b" }, { "AuthToken": "kp" }, { "RequestHeader": "bluemix-instance", "Set": "wrong-guid" } ]
          }
        },
        "Clusters": {
          "keyprotect": { "Destinations": { "d1": { "Address": "{{upstreamUrl}}/" } } }
        }
      }
    }
    """;

    private sealed record Env(FakeServer Iam, FakeServer Upstream, ProxyHost Proxy) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Upstream.DisposeAsync();
            await Iam.DisposeAsync();
        }
    }
}
