using AuthProxy.Sandbox.Hosting;
using AuthProxy.Tests.Configuration;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Identity;

/// <summary><c>config/sandbox-identities.json</c> pointed at the test's sandbox emulators, and helpers to call it.</summary>
internal static class IdentitySandbox
{
    public const string Billing = "system:serviceaccount:billing:billing-app";
    public const string Reporting = "system:serviceaccount:reporting:reporting-app";
    public const string LegacyKey = "sandbox-client-key";

    /// <summary>The shipped sandbox configuration with the emulators' ephemeral ports, and optionally an extra route.</summary>
    public static string Config(SandboxEmulators sandbox, string? extraRoute = null, string? extraCluster = null)
    {
        var text = File.ReadAllText(ShippedConfigs.FullPath(ShippedConfigs.SandboxIdentitiesConfig))
            .Replace($"http://127.0.0.1:{SandboxDefaults.IamPort}", sandbox.Iam.Url, StringComparison.Ordinal)
            .Replace($"http://127.0.0.1:{SandboxDefaults.KeyProtectPort}", sandbox.KeyProtect.Url, StringComparison.Ordinal)
            .Replace($"http://127.0.0.1:{SandboxDefaults.VpcMetadataPort}", sandbox.VpcMetadata.Url, StringComparison.Ordinal)
            .Replace($"http://127.0.0.1:{SandboxDefaults.OidcIssuerPort}", sandbox.OidcIssuer.Url, StringComparison.Ordinal);
        if (extraRoute is not null)
        {
            text = text.Replace("\"Routes\": {", "\"Routes\": {" + extraRoute + ",", StringComparison.Ordinal)
                .Replace("\"Clusters\": {", "\"Clusters\": {" + extraCluster + ",", StringComparison.Ordinal);
        }

        return text;
    }

    public static HttpRequestMessage Get(string path, string? bearer = null, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }

        if (apiKey is not null)
        {
            request.Headers.Add("X-API-Key", apiKey);
        }

        return request;
    }

    public static async Task<(int Status, string Body)> SendAsync(this TestEnvironment env, HttpRequestMessage request)
    {
        using var _ = request;
        using var response = await env.Client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
