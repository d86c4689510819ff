using System.Net;
using System.Text;
using System.Text.Json;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using Microsoft.AspNetCore.Http.Features;

namespace AuthProxy.Tests.Security;

/// <summary>
/// A token endpoint that echoes everything it received — in its reason phrase, across the 200-character cut of its error
/// message, URL-encoded and base64-encoded — must not make any provider type leak a secret into the problem answer,
/// the log (at Trace) or the status page.
/// </summary>
public sealed class EchoingTokenEndpointLeakTests(ITestOutputHelper output)
{
    private const string Secret = "echo-SECRET-7Hq2-value-0123456789";

    public static TheoryData<string> HttpTypes => [.. TokenProviderTypes.All.Where(t => t.CallsAnEndpoint).Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(HttpTypes))]
    public async Task EveryProviderType_AgainstAnEchoingEndpoint_LeaksNothing(string type)
    {
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Idp = EchoEverything;
            o.MinimumLevel = LogLevel.Trace;
            o.Config = e =>
            {
                var settings = TokenProviderTypes.Find(type)!.Sample(e.Idp.Url, Secret, e.Files.Write)
                    .Append(new("Type", type))
                    .ToDictionary(s => s.Key, s => s.Value);
                return $$"""
                {
                  "TokenProviders": { "p": {{JsonSerializer.Serialize(settings)}} },
                  "ReverseProxy": {
                    "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "/r/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/r" }, { "AuthToken": "p" } ] } },
                    "Clusters": { "c": { "Destinations": { "d": { "Address": "{{e.Upstream.Url}}/" } } } }
                  }
                }
                """;
            };
        });
        var (idp, upstream, proxy, client) = (env.Idp, env.Upstream, env.Proxy, env.Client);

        using var response = await client.GetAsync("/r/x");
        var body = await response.Content.ReadAsStringAsync();
        var status = await client.GetStringAsync("/_authproxy/status");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.NotEmpty(idp.Requests);
        Assert.Empty(upstream.Requests);
        foreach (var (where, text) in new[] { ("problem", body), ("status", status), ("log", string.Join("\n", proxy.Logs)) })
        {
            foreach (var form in Forms(Secret))
            {
                Assert.False(text.Contains(form, StringComparison.Ordinal), $"the {where} contains '{form}'");
            }
        }
    }

    /// <summary>The secret as is, its URL-encoded form, and the parts of its base64 that survive any alignment.</summary>
    private static IEnumerable<string> Forms(string secret)
    {
        yield return secret;
        yield return secret[..23];
        yield return Uri.EscapeDataString(secret);
        var bytes = Encoding.UTF8.GetBytes(secret);
        for (var skip = 0; skip < 3; skip++)
        {
            yield return Convert.ToBase64String(bytes, skip, (bytes.Length - skip) / 3 * 3);
        }
    }

    private static async Task EchoEverything(HttpContext context, RecordedRequest request)
    {
        // Everything the proxy sent: the body (form or JSON, with the secret), the headers (Basic credentials, tokens).
        var received = request.BodyText + " " + string.Join(" ", request.Headers.Select(h => $"{h.Key}={h.Value}"));
        context.Response.StatusCode = 400;
        context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = "Bad credentials " + received.ReplaceLineEndings(" ")[..Math.Min(received.Length, 300)];
        context.Response.ContentType = "application/json";
        var message = new string('x', 180) + " you sent " + received + " / " + Uri.EscapeDataString(received) + " / " +
                      Convert.ToBase64String(Encoding.UTF8.GetBytes(received));
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { errorCode = "ECHO0400E", errorMessage = message, message, error_description = message }));
    }
}
