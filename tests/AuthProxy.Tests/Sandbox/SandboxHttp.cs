using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AuthProxy.Sandbox.Iam;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Sandbox;

/// <summary>HTTP helpers for talking to the emulators directly.</summary>
internal static class SandboxHttp
{
    public static HttpClient Client(string baseUrl) =>
        new(new SocketsHttpHandler { UseProxy = false, UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TestTimeouts.Default,
        };

    public static async Task<JsonObject> JsonAsync(this HttpResponseMessage response) =>
        Assert.IsType<JsonObject>(JsonNode.Parse(await response.Content.ReadAsStringAsync()));

    public static async Task<JsonArray> JsonArrayAsync(this HttpResponseMessage response) =>
        Assert.IsType<JsonArray>(JsonNode.Parse(await response.Content.ReadAsStringAsync()));

    public static Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string path, params (string Name, string Value)[] fields) =>
        client.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));

    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string path, string? authorization,
        object? json = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (json is not null)
        {
            request.Content = JsonContent.Create(json);
        }

        return client.SendAsync(request);
    }

    /// <summary>An IAM access token for <paramref name="apiKey"/>, through the emulator's real endpoint.</summary>
    public static async Task<string> IamTokenAsync(this HttpClient iam, string apiKey)
    {
        var response = await iam.PostFormAsync(IamEmulator.TokenPath, ("grant_type", IamEmulator.ApiKeyGrant), ("apikey", apiKey));
        response.EnsureSuccessStatusCode();
        return (string)(await response.JsonAsync())["access_token"]!;
    }
}
