using System.Security.Cryptography.X509Certificates;
using AuthProxy.Tests.Infrastructure;
using WireMock;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace AuthProxy.Tests.Tokens;

/// <summary>
/// A stateless token endpoint for the token-source unit tests: WireMock.Net on 127.0.0.1 (HTTPS with a
/// certificate). Its mappings say what it answers; its request log (<see cref="Requests"/>) is what the IdP received.
/// Fakes with state (issued tokens, revocation) are the sandbox emulators.
/// </summary>
public sealed class TokenEndpointStub : IDisposable
{
    private readonly TempDirectory? _files;

    private TokenEndpointStub(WireMockServer server, TempDirectory? files)
    {
        Server = server;
        _files = files;
    }

    public WireMockServer Server { get; }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url => Server.Url!;

    /// <summary>What arrived, oldest first.</summary>
    public IReadOnlyList<IRequestMessage> Requests => [.. Server.LogEntries.Select(e => e.RequestMessage).OrderBy(r => r.DateTime)];

    public int RequestCount => Server.LogEntries.Count;

    /// <summary>
    /// Starts an endpoint with no mappings (it answers 404); <paramref name="certificate"/> makes it HTTPS. Bodies are
    /// logged for every method: SKLM's <c>accessToken</c> is a GET with a JSON body.
    /// </summary>
    public static TokenEndpointStub Start(X509Certificate2? certificate = null)
    {
        if (certificate is null)
        {
            return new TokenEndpointStub(WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"], AllowBodyForAllHttpMethods = true }), null);
        }

        // WireMock takes the certificate as a file: its settings are serialised for its log, and an ECDsa certificate
        // object does not serialise.
        var files = new TempDirectory();
        var pfx = files.PathOf("server.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "stub"));
        var server = WireMockServer.Start(new WireMockServerSettings
        {
            Urls = ["https://127.0.0.1:0"],
            UseSSL = true,
            AllowBodyForAllHttpMethods = true,
            CertificateSettings = new WireMockCertificateSettings { X509CertificateFilePath = pfx, X509CertificatePassword = "stub" },
        });
        return new TokenEndpointStub(server, files);
    }

    /// <summary>Answers requests to <paramref name="path"/> (every request when null) with <paramref name="body"/> as JSON.</summary>
    public TokenEndpointStub Json(int status, object body, string? path = null)
    {
        Server.Given(Matching(path)).RespondWith(Response.Create().WithStatusCode(status).WithBodyAsJson(body));
        return this;
    }

    /// <summary>Answers every request with <paramref name="body"/> as <paramref name="contentType"/>.</summary>
    public TokenEndpointStub Reply(int status, string contentType, string body)
    {
        Server.Given(Matching(null)).RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", contentType).WithBody(body));
        return this;
    }

    /// <summary>Answers every provider type's endpoints with success (<see cref="ProviderTestKit.SuccessReplies"/>).</summary>
    public TokenEndpointStub Succeed(string token = "tok-1")
    {
        var replies = ProviderTestKit.SuccessReplies(token);
        for (var i = 0; i < replies.Length; i++)
        {
            // WireMock prefers the lowest priority number: the first matching prefix wins, as in the table.
            Server.Given(Request.Create().UsingAnyMethod().WithPath(new WildcardMatcher(replies[i].PathPrefix + "*"))).AtPriority(i + 1)
                .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(replies[i].Reply));
        }

        return this;
    }

    public void Dispose()
    {
        Server.Stop();
        Server.Dispose();
        _files?.Dispose();
    }

    private static IRequestBuilder Matching(string? path) =>
        path is null ? Request.Create().UsingAnyMethod() : Request.Create().UsingAnyMethod().WithPath(path);
}
