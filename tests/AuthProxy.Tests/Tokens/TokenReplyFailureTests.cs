using System.Net;
using System.Net.Sockets;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

/// <summary>Every provider that calls a token endpoint turns every kind of bad reply into a failure without a secret.</summary>
public sealed class TokenReplyFailureTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases() => Combine("malformed-json", "missing-field", "html-error-page", "html-200", "json-error-echoing-secret", "empty-200");

    public static TheoryData<string, string> LargeCases() => Combine("5mb-chunked", "5mb-content-length");

    public static TheoryData<string> HttpTypeNames() => new(HttpTypes);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Fetch_BadReply_FailsWithReasonNamingCauseAndNoSecret(string type, string reply)
    {
        var (status, contentType, body, expected) = reply switch
        {
            "malformed-json" => (200, "application/json", $$"""{"token": "abc", "access_token": "{{SecretValue}}""", "malformed JSON"),
            "missing-field" => (200, "application/json", """{"unexpected": "value", "expires_in": 3600}""", "has no '"),
            "html-error-page" => (502, "text/html", $"<html><body><h1>502 Bad Gateway</h1>{SecretValue}</body></html>", "502"),
            "html-200" => (200, "text/html; charset=utf-8", $"<!DOCTYPE html><html><body>Login {SecretValue}</body></html>", "non-JSON reply (text/html)"),
            "json-error-echoing-secret" => (403, "application/json", $$"""{"code": "E403", "message": "denied for {{SecretValue}}"}""", "E403"),
            "empty-200" => (200, "application/json", "", "malformed JSON"),
            _ => throw new ArgumentOutOfRangeException(nameof(reply)),
        };
        using var server = TokenEndpointStub.Start().Reply(status, contentType, body);

        await AssertFailsAsync(type, reply, server.Url, expected);
        Assert.NotEqual(0, server.RequestCount);
    }

    /// <summary>
    /// Oversized replies are streamed by a real Kestrel handler: whether the size is announced (Content-Length) or
    /// only discovered while reading (chunked) is the point, and a stub that buffers its body cannot send the latter.
    /// </summary>
    [Theory]
    [MemberData(nameof(LargeCases))]
    public async Task Fetch_OversizedReply_FailsWithReasonNamingCauseAndNoSecret(string type, string reply)
    {
        await using var server = await FakeServer.StartAsync(Large(5 * 1024 * 1024, withContentLength: reply == "5mb-content-length"));

        await AssertFailsAsync(type, reply, server.Url, "larger than");
    }

    [Theory]
    [MemberData(nameof(HttpTypeNames))]
    public async Task Fetch_EndpointUnreachable_FailsWithoutThrowing(string type)
    {
        // Bound but never listening: connections are refused, and no server a parallel test starts can take the port
        // (a stopped server's port can be handed out again at once; seen as a 404 from another test's stub).
        using var reserved = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        reserved.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var url = $"http://127.0.0.1:{((IPEndPoint)reserved.LocalEndPoint!).Port}";
        using var files = new TempDirectory();
        using var source = Create(OptionsFor(type, url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("could not be reached", result.Failure.Reason, StringComparison.Ordinal);
    }

    private async Task AssertFailsAsync(string type, string reply, string url, string expected)
    {
        using var files = new TempDirectory();
        using var source = Create(OptionsFor(type, url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded, $"{type} accepted a '{reply}' reply");
        output.WriteLine(result.Failure.Reason);
        Assert.Equal(TokenFailureKind.Failed, result.Failure.Kind);
        Assert.Equal(502, result.Failure.StatusCode);
        Assert.Contains(expected, result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("<html", result.Failure.Reason, StringComparison.OrdinalIgnoreCase);
    }

    private static TheoryData<string, string> Combine(params string[] replies)
    {
        var data = new TheoryData<string, string>();
        foreach (var type in HttpTypes)
        {
            foreach (var reply in replies)
            {
                // VpcInstanceIdentity's first request carries no secret at all: there is nothing an echo could leak.
                if (type == "VpcInstanceIdentity" && reply == "json-error-echoing-secret")
                {
                    continue;
                }

                data.Add(type, reply);
            }
        }

        return data;
    }
}
