using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

/// <summary>Every provider that calls a token endpoint turns every kind of bad reply into a failure without a secret.</summary>
public sealed class TokenReplyFailureTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var type in HttpTypes)
        {
            foreach (var reply in new[] { "malformed-json", "missing-field", "html-error-page", "html-200", "json-error-echoing-secret", "5mb-chunked", "5mb-content-length", "empty-200" })
            {
                data.Add(type, reply);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Fetch_BadReply_FailsWithReasonNamingCauseAndNoSecret(string type, string reply)
    {
        var (handler, expected) = reply switch
        {
            "malformed-json" => (Reply(200, "application/json", $$"""{"token": "abc", "access_token": "{{SecretValue}}"""), "malformed JSON"),
            "missing-field" => (Reply(200, "application/json", """{"unexpected": "value", "expires_in": 3600}"""), "has no '"),
            "html-error-page" => (Reply(502, "text/html", $"<html><body><h1>502 Bad Gateway</h1>{SecretValue}</body></html>"), "502"),
            "html-200" => (Reply(200, "text/html; charset=utf-8", $"<!DOCTYPE html><html><body>Login {SecretValue}</body></html>"), "non-JSON reply (text/html)"),
            "json-error-echoing-secret" => (Reply(403, "application/json", $$"""{"code": "E403", "message": "denied for {{SecretValue}}"}"""), "E403"),
            "5mb-chunked" => (Large(5 * 1024 * 1024, withContentLength: false), "larger than"),
            "5mb-content-length" => (Large(5 * 1024 * 1024, withContentLength: true), "larger than"),
            "empty-200" => (Reply(200, "application/json", ""), "malformed JSON"),
            _ => throw new ArgumentOutOfRangeException(nameof(reply)),
        };
        await using var server = await FakeServer.StartAsync(handler);
        using var files = new TempDirectory();
        using var source = Create(OptionsFor(type, server.Url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded, $"{type} accepted a '{reply}' reply");
        output.WriteLine(result.Failure.Reason);
        Assert.Equal(TokenFailureKind.Failed, result.Failure.Kind);
        Assert.Equal(502, result.Failure.StatusCode);
        Assert.Contains(expected, result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("<html", result.Failure.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(HttpTypeNames))]
    public async Task Fetch_EndpointUnreachable_FailsWithoutThrowing(string type)
    {
        string url;
        await using (var server = await FakeServer.StartAsync())
        {
            url = server.Url;
        }

        using var files = new TempDirectory();
        using var source = Create(OptionsFor(type, url, files));

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("could not be reached", result.Failure.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string> HttpTypeNames() => new(HttpTypes);
}
