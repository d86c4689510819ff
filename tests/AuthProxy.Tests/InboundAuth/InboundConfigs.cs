using System.Security.Cryptography;
using System.Text;

namespace AuthProxy.Tests.InboundAuth;

/// <summary>Inbound clients, keys and configuration files for the InboundAuth tests.</summary>
public static class InboundConfigs
{
    public const string BillingKey = "billing-key-7f3a9c0d-SECRET";
    public const string BatchKey = "batch-key-51d0e2b4-SECRET";
    public const string LegacyKey = "legacy-key-a4c8b13e-SECRET";

    /// <summary>Every key the tests use, for leak checks.</summary>
    public static readonly string[] AllKeys = [BillingKey, BatchKey, LegacyKey];

    /// <summary>What <c>printf %s "$KEY" | sha256sum</c> prints for <see cref="LegacyKey"/>.</summary>
    public static string LegacySha256 => Sha256Hex(LegacyKey);

    public static string Sha256Hex(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    public static string Basic(string client, string key) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{client}:{key}"));

    /// <summary>
    /// The <c>InboundAuth</c> section: <c>billing-app</c> (inline key), <c>batch</c> (key file), <c>legacy</c> (SHA-256);
    /// policy <c>kms-clients</c> = billing-app + legacy.
    /// </summary>
    public static string InboundSection(string batchKeyFile) => $$"""
      {
        "Clients": {
          "billing-app": { "ApiKey": "{{BillingKey}}" },
          "batch": { "ApiKeyFile": "{{batchKeyFile}}" },
          "legacy": { "ApiKeySha256": "{{LegacySha256}}" }
        },
        "Policies": { "kms-clients": [ "billing-app", "legacy" ] }
      }
    """;

    /// <summary>
    /// A gateway: routes <c>/kms</c> (policy kms-clients, AuthToken kp), <c>/plain</c> (no policy), <c>/open</c>
    /// (Anonymous) and <c>/any</c> (Default), all to <paramref name="upstreamUrl"/>. <paramref name="inbound"/> is the
    /// whole <c>InboundAuth</c> value, or null for none.
    /// </summary>
    public static string Gateway(string iamUrl, string upstreamUrl, string? inbound) => $$"""
    {
      "TokenProviders": {
        "kp": { "Type": "IamApiKey", "ApiKey": "iam-apikey-0f9e8d-SECRET", "TokenUrl": "{{iamUrl}}/identity/token" }
      },
      {{(inbound is null ? "" : $"\"InboundAuth\": {inbound},")}}
      "ReverseProxy": {
        "Routes": {
          "kms": {
            "ClusterId": "up", "AuthorizationPolicy": "kms-clients",
            "Match": { "Path": "/kms/{**rest}" },
            "Transforms": [ { "PathRemovePrefix": "/kms" }, { "AuthToken": "kp" } ]
          },
          "plain": { "ClusterId": "up", "Match": { "Path": "/plain/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/plain" } ] },
          "open": { "ClusterId": "up", "AuthorizationPolicy": "Anonymous", "Match": { "Path": "/open/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/open" } ] },
          "any": { "ClusterId": "up", "AuthorizationPolicy": "Default", "Match": { "Path": "/any/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/any" } ] }
        },
        "Clusters": {
          "up": { "Destinations": { "d1": { "Address": "{{upstreamUrl}}/" } } }
        }
      }
    }
    """;

    /// <summary>A minimal open configuration (no token providers, one route) with an optional <c>InboundAuth</c> value.</summary>
    public static string Minimal(string? inbound = null) => $$"""
    {
      {{(inbound is null ? "" : $"\"InboundAuth\": {inbound},")}}
      "ReverseProxy": {
        "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "/r/{**rest}" } } },
        "Clusters": { "c": { "Destinations": { "d": { "Address": "http://127.0.0.1:9/" } } } }
      }
    }
    """;

    /// <summary>Builds an <see cref="IConfiguration"/> from JSON text, as the configuration file would.</summary>
    public static IConfiguration FromJson(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
}
