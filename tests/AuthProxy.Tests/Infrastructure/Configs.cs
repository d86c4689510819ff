namespace AuthProxy.Tests.Infrastructure;

/// <summary>Configuration files used by the end-to-end tests.</summary>
public static class Configs
{
    public const string ApiKey = "test-api-key-0123456789-SECRET";

    /// <summary>A Key Protect-style route <c>/kms/{**rest}</c> with an <c>IamApiKey</c> provider named <c>kp</c>.</summary>
    public static string Kms(string iamUrl, string upstreamUrl, string providerExtra = "", string authTokenExtra = "") => $$"""
    {
      "TokenProviders": {
        "kp": { "Type": "IamApiKey", "ApiKey": "{{ApiKey}}", "TokenUrl": "{{iamUrl}}/identity/token"{{providerExtra}} }
      },
      "ReverseProxy": {
        "Routes": {
          "kms": {
            "ClusterId": "keyprotect",
            "Match": { "Path": "/kms/{**rest}" },
            "Transforms": [
              { "PathRemovePrefix": "/kms" },
              { "AuthToken": "kp"{{authTokenExtra}} },
              { "RequestHeader": "bluemix-instance", "Set": "instance-guid" }
            ]
          }
        },
        "Clusters": {
          "keyprotect": { "Destinations": { "d1": { "Address": "{{upstreamUrl}}/" } } }
        }
      }
    }
    """;
}
