using System.Diagnostics;
using System.Security.Claims;
using System.Text.Encodings.Web;
using AuthProxy.Http;
using AuthProxy.Telemetry;
using AuthProxy.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Authenticates AuthProxy's own clients by <c>X-API-Key: &lt;key&gt;</c> or <c>Authorization: Basic
/// base64(&lt;client&gt;:&lt;key&gt;)</c>, else by a pinned TLS client certificate, else by an <c>Authorization: Bearer</c>
/// JWT, against the live <see cref="InboundClientStore"/>. A client with its own token providers gets its
/// <see cref="ClientProviderMap"/> set as a request feature. The principal carries the
/// client name (claim <see cref="InboundAuthDefaults.ClientClaimType"/>), never the key. Challenges answer 401 and
/// forbids 403, both as <c>application/problem+json</c>, and count in <c>authproxy.inbound.rejections</c>.
/// </summary>
internal sealed class InboundAuthHandler : AuthenticationHandler<InboundAuthOptions>
{
    private static readonly Task<AuthenticateResult> NoResultTask = Task.FromResult(AuthenticateResult.NoResult());

    private readonly InboundClientStore _store;
    private readonly TokenMetrics _metrics;
    private readonly JwtCredentialCheck _jwt;
    private readonly TimeProvider _time;

    public InboundAuthHandler(IOptionsMonitor<InboundAuthOptions> options, ILoggerFactory logger, UrlEncoder encoder,
        InboundClientStore store, TokenMetrics metrics, JwtCredentialCheck jwt, TimeProvider time)
        : base(options, logger, encoder)
    {
        _store = store;
        _metrics = metrics;
        _jwt = jwt;
        _time = time;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // A key or inbound Basic credential is judged alone; without one, a pinned certificate; then a Bearer JWT.
        var clients = _store.Current;
        var check = InboundCredentialCheck.Check(clients, Request.Headers);
        if (check.Kind == InboundCredentialKind.None && clients.HasCertificateClients)
        {
            check = InboundCertificateCheck.Check(clients, Context.Connection.ClientCertificate, _time.GetUtcNow());
        }

        if (check.Kind == InboundCredentialKind.None && clients.HasJwtClients && BearerToken() is { } token)
        {
            return AuthenticateJwtAsync(clients, token);
        }

        return check.Kind == InboundCredentialKind.None ? NoResultTask : Task.FromResult(Complete(check));
    }

    private async Task<AuthenticateResult> AuthenticateJwtAsync(InboundClientSet clients, string token) =>
        Complete(await _jwt.CheckAsync(clients, token, Context.RequestAborted));

    private AuthenticateResult Complete(InboundCheckResult check)
    {
        var method = check.Kind switch
        {
            InboundCredentialKind.ApiKey => InboundAuthDefaults.ApiKeyHeaderName,
            InboundCredentialKind.Jwt => "JWT",
            InboundCredentialKind.Certificate => "client certificate",
            _ => "Basic",
        };
        if (check.Client is not { } client)
        {
            Log.CredentialRefused(Logger, method, check.Failure ?? "refused");
            return AuthenticateResult.Fail(check.Failure ?? "refused");
        }

        Log.ClientAuthenticated(Logger, client.Name, method);
        Activity.Current?.SetTag(InboundAuthDefaults.ClientClaimType, client.Name);
        if (client.Providers is { } providers)
        {
            Context.Features.Set(providers);
        }

        var identity = new ClaimsIdentity(
            [new Claim(InboundAuthDefaults.ClientClaimType, client.Name, ClaimValueTypes.String, ClaimsIssuer)],
            Scheme.Name,
            InboundAuthDefaults.ClientClaimType,
            roleType: null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    /// <summary>The credential of a single <c>Authorization: Bearer</c> header, or null.</summary>
    private string? BearerToken()
    {
        var authorization = Request.Headers[HeaderNames.Authorization];
        return authorization.Count == 1 && InboundCredentials.IsBearer(authorization[0], out var token) ? token : null;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        _metrics.InboundRejected("unauthenticated");
        Log.Unauthenticated(Logger, Request.Method, LogValue.Escape(Request.Path.Value ?? "/"), RouteName());
        var result = await HandleAuthenticateOnceSafeAsync();
        var clients = _store.Current;
        Response.Headers[HeaderNames.WWWAuthenticate] = clients.HasJwtClients
            ? new StringValues([$"Basic realm=\"{Options.Realm}\", charset=\"UTF-8\"", $"Bearer realm=\"{Options.Realm}\""])
            : $"Basic realm=\"{Options.Realm}\", charset=\"UTF-8\"";
        var detail = result.Failure is { } failure
            ? $"The client credential was refused ({failure.Message})."
            : $"Send {InboundAuthDefaults.ApiKeyHeaderName}: <key>, or Authorization: Basic base64(<client>:<key>)" +
              (clients.HasJwtClients ? ", or Authorization: Bearer <JWT>" : "") +
              (clients.HasCertificateClients ? ", or a pinned TLS client certificate" : "") + ".";
        await ProblemResponse.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Client authentication required", detail);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        _metrics.InboundRejected("forbidden");
        var result = await HandleAuthenticateOnceSafeAsync();
        var client = result.Principal?.FindFirst(InboundAuthDefaults.ClientClaimType)?.Value ?? "(unknown)";
        Log.Forbidden(Logger, client, RouteName(), Request.Method, LogValue.Escape(Request.Path.Value ?? "/"));
        await ProblemResponse.WriteAsync(Context, StatusCodes.Status403Forbidden, "Client not allowed",
            $"Client '{client}' is not allowed to use this route.");
    }

    private string RouteName() => LogValue.Escape(Context.GetEndpoint()?.DisplayName ?? "(none)");
}
