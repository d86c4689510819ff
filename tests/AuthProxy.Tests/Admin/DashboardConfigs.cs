namespace AuthProxy.Tests.Admin;

/// <summary>
/// A configuration with a secret in every place one can hide: the provider's API key, an inbound client's key, a secret
/// header a route sets, a destination URL with a password and a signed query string. None of it may reach the status
/// document or the dashboard.
/// </summary>
internal static class DashboardConfigs
{
    public const string ApiKey = "provider-api-key-SECRET-2c9e41";
    public const string ClientKey = "inbound-client-key-SECRET-77ab03";
    public const string HeaderSecret = "header-value-SECRET-5d1f88";
    public const string UrlPassword = "url-password-SECRET-a4e2";
    public const string QuerySecret = "query-signature-SECRET-0b7c";

    /// <summary>What the fake token endpoint issues: recognisable, so a scan can look for every one of them.</summary>
    public const string TokenPrefix = "issued-token-SECRET-";

    public static readonly string[] Secrets = [ApiKey, ClientKey, HeaderSecret, UrlPassword, QuerySecret, TokenPrefix];

    /// <summary>
    /// Provider <c>kp</c> at <paramref name="iamUrl"/>; route <c>kms</c> (<c>/kms/{**rest}</c>, policy <c>kms-clients</c>) to
    /// <paramref name="upstreamUrl"/>; route <c>archive</c> (GET only, with a host and a header match) to a destination
    /// whose URL carries a password and a signature in its query; client <c>billing-app</c>.
    /// </summary>
    public static string WithSecrets(string iamUrl, string upstreamUrl, string authToken = "kp") => $$"""
    {
      "TokenProviders": {
        "kp": { "Type": "IamApiKey", "ApiKey": "{{ApiKey}}", "TokenUrl": "{{iamUrl}}/identity/token" }
      },
      "InboundAuth": {
        "Clients": { "billing-app": { "ApiKey": "{{ClientKey}}" } },
        "Policies": { "kms-clients": [ "billing-app" ] }
      },
      "ReverseProxy": {
        "Routes": {
          "kms": {
            "ClusterId": "keyprotect",
            "AuthorizationPolicy": "kms-clients",
            "Match": { "Path": "/kms/{**rest}" },
            "Transforms": [
              { "PathRemovePrefix": "/kms" },
              { "AuthToken": "{{authToken}}" },
              { "RequestHeader": "X-Upstream-Secret", "Set": "{{HeaderSecret}}" }
            ]
          },
          "archive": {
            "ClusterId": "archive",
            "Match": {
              "Path": "/archive/{**rest}",
              "Methods": [ "GET" ],
              "Hosts": [ "archive.example.com" ],
              "Headers": [ { "Name": "X-Tenant", "Values": [ "{{HeaderSecret}}" ], "Mode": "ExactHeader" } ]
            }
          }
        },
        "Clusters": {
          "keyprotect": { "Destinations": { "d1": { "Address": "{{upstreamUrl}}/" } } },
          "archive": { "Destinations": { "vault": { "Address": "https://archive.example.com/v1/?password={{UrlPassword}}&sig={{QuerySecret}}" } } }
        }
      }
    }
    """;

    /// <summary>An IAM token endpoint issuing <c>issued-token-SECRET-N</c> tokens valid for an hour.</summary>
    public static Func<HttpContext, Infrastructure.RecordedRequest, Task> Iam()
    {
        var counter = 0;
        return (context, _) => Infrastructure.FakeIam.Json(context, 200,
            Infrastructure.FakeIam.TokenReply(TokenPrefix + Interlocked.Increment(ref counter), expiresIn: 3600));
    }
}
