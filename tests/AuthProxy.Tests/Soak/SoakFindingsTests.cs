using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AuthProxy.Configuration;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Soak;

/// <summary>
/// Regression tests for what the chaos soak (tests/AuthProxy.Soak) found. Each one fails against the code it was
/// written for; the fixes landed with these tests enabled.
/// </summary>
public sealed class SoakFindingsTests(ITestOutputHelper output)
{
    private const string SymlinkFinding = "Soak finding 1: the 4 MiB guard reads FileInfo.Length, which is the symlink's own size (ConfigFile.cs:53)";
    private const string ChunkFinding = "Soak finding 2: a body read error in UpstreamRetryMiddleware escapes as an unhandled exception (500 for an overflowing chunk size)";
    private const string DropFinding = "Soak finding 3: InvalidateRejected keeps a rejected token when another was dropped less than 1 s earlier (TokenCache.cs:106)";

    [Fact]
    public void TryRead_SymlinkToAFileOverTheLimit_IsRejected()
    {
        var directory = Directory.CreateTempSubdirectory("authproxy-soak-finding-");
        try
        {
            // As Kubernetes mounts a ConfigMap: the configured path is a symlink to the real file.
            var target = Path.Combine(directory.FullName, "real.json");
            File.WriteAllText(target, "{ \"Note\": \"" + new string('m', (int)ConfigFile.MaxBytes + 1024) + "\" }");
            var link = Path.Combine(directory.FullName, "authproxy.json");
            File.CreateSymbolicLink(link, target);

            var content = ConfigFile.Read(link);

            Assert.Null(content.Data);
            Assert.Contains("larger than", content.Problem!.Reason, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Post_WithAnOverflowingChunkSize_Gets400AndNoUnhandledException()
    {
        await using var env = await TestEnvironment.StartAsync(output, o => o.Upstream = (c, _) => c.Response.WriteAsync("ok"));
        var port = new Uri(env.Proxy.Url).Port;

        var status = await SendRawAsync(port,
            "POST /kms/api/v2/keys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400", status, StringComparison.Ordinal);
        Assert.Equal(0, env.Upstream.RequestCount);
        Assert.DoesNotContain(env.Proxy.Logs, line => line.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task SecondRevocationWithinASecond_OfATokenThatWorked_IsCoveredByTheRetry()
    {
        var time = new FakeTimeProvider(TestClock.Start); // frozen: both revocations fall within the same second
        var revoked = new ConcurrentDictionary<string, bool>();
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Idp = FakeIam.Tokens(time: time);
            o.Upstream = async (c, r) =>
            {
                var authorization = r.Header("Authorization") ?? "";
                if (revoked.ContainsKey(authorization))
                {
                    c.Response.StatusCode = 401;
                    await c.Response.WriteAsync("""{"resources":[{"errorMsg":"Unauthorized"}]}""");
                    return;
                }

                c.Response.Headers["x-seen-authorization"] = authorization;
                await c.Response.WriteAsync("ok");
            };
            o.Time = time;
        });
        var client = env.Client;

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/api/v2/keys")).StatusCode); // tok-1
        revoked["Bearer tok-1"] = true;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/api/v2/keys")).StatusCode); // 401, dropped, retried with tok-2
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms/api/v2/keys")).StatusCode); // tok-2 works
        revoked["Bearer tok-2"] = true; // rotated again, within the same second

        using var response = await client.GetAsync("/kms/api/v2/keys");

        // docs/tokens.md: the 401 drops the token, a new one is fetched and the request retried once.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer tok-3", response.Headers.GetValues("x-seen-authorization").Single());
    }

    private static async Task<string> SendRawAsync(int port, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = TestTimeouts.Cts();
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cts.Token);
        var buffer = new byte[4096];
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }
}
