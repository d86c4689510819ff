using System.Diagnostics;
using System.Security.Claims;
using System.Text.Encodings.Web;
using AuthProxy.Http;
using AuthProxy.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Authenticates AuthProxy's own clients by <c>X-API-Key: &lt;key&gt;</c> or <c>Authorization: Basic
/// base64(&lt;client&gt;:&lt;key&gt;)</c> against the live <see cref="InboundClientStore"/>. The principal carries the
/// client name (claim <see cref="InboundAuthDefaults.ClientClaimType"/>), never the key. Challenges answer 401 and
/// forbids 403, both as <c>application/problem+json</c>, and count in <c>authproxy.inbound.rejections</c>.
/// </summary>
internal sealed class InboundAuthHandler : AuthenticationHandler<InboundAuthOptions>
{
    private static readonly Task<AuthenticateResult> NoResultTask = Task.FromResult(AuthenticateResult.NoResult());

    private readonly InboundClientStore _store;
    private readonly TokenMetrics _metrics;

    public InboundAuthHandler(IOptionsMonitor<InboundAuthOptions> options, ILoggerFactory logger, UrlEncoder encoder,
        InboundClientStore store, TokenMetrics metrics)
        : base(options, logger, encoder)
    {
        _store = store;
        _metrics = metrics;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var check = InboundCredentialCheck.Check(_store.Current, Request.Headers);
        if (check.Kind == InboundCredentialKind.None)
        {
            return NoResultTask;
        }

        var method = check.Kind == InboundCredentialKind.ApiKey ? InboundAuthDefaults.ApiKeyHeaderName : "Basic";
        if (check.Client is not { } client)
        {
            Log.CredentialRefused(Logger, method, check.Failure ?? "refused");
            return Task.FromResult(AuthenticateResult.Fail(check.Failure ?? "refused"));
        }

        Log.ClientAuthenticated(Logger, client.Name, method);
        Activity.Current?.SetTag(InboundAuthDefaults.ClientClaimType, client.Name);
        var identity = new ClaimsIdentity(
            [new Claim(InboundAuthDefaults.ClientClaimType, client.Name, ClaimValueTypes.String, ClaimsIssuer)],
            Scheme.Name,
            InboundAuthDefaults.ClientClaimType,
            roleType: null);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        _metrics.InboundRejected("unauthenticated");
        Log.Unauthenticated(Logger, Request.Method, LogValue.Escape(Request.Path.Value ?? "/"), RouteName());
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers[HeaderNames.WWWAuthenticate] = $"Basic realm=\"{Options.Realm}\", charset=\"UTF-8\"";
        var detail = result.Failure is { } failure
            ? $"The client credential was refused ({failure.Message})."
            : $"Send {InboundAuthDefaults.ApiKeyHeaderName}: <key>, or Authorization: Basic base64(<client>:<key>).";
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
