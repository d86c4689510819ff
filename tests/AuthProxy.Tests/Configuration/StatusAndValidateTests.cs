using AuthProxy.Hosting;
using System.Net;
using System.Text.Json;
using AuthProxy.Configuration;
using AuthProxy.Tests.Infrastructure;

namespace AuthProxy.Tests.Configuration;

public sealed class StatusAndValidateTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Status_ShowsProviderStateAndCounts_ButNoTokenOrSecret()
    {
        await using var env = await TestEnvironment.StartAsync(output);
        var client = env.Client;
        await client.GetAsync("/kms/a");

        var text = await client.GetStringAsync("/_authproxy/status");

        using var doc = JsonDocument.Parse(text);
        var kp = doc.RootElement.GetProperty("providers").GetProperty("kp");
        Assert.Equal("IamApiKey", kp.GetProperty("type").GetString());
        Assert.Equal("valid", kp.GetProperty("state").GetString());
        Assert.Equal(1, kp.GetProperty("fetches").GetInt32());
        Assert.True(kp.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.Equal(JsonValueKind.Null, kp.GetProperty("lastError").ValueKind);
        Assert.Equal(JsonValueKind.String, doc.RootElement.GetProperty("config").GetProperty("loadedAt").ValueKind);
        Assert.DoesNotContain("tok-1", text);
        Assert.DoesNotContain(Configs.ApiKey, text);
    }

    [Fact]
    public async Task Validate_ValidFile_PrintsOk()
    {
        var path = await WriteAsync(Configs.Kms("http://127.0.0.1:9", "http://127.0.0.1:9"));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = ValidateCommand.Run(["--config", path], stdout, stderr);

        Assert.Equal(0, code);
        Assert.Equal($"OK: {path}", stdout.ToString().Trim());
        Assert.Equal("", stderr.ToString());
    }

    [Fact]
    public async Task Validate_InvalidFile_PrintsOneLinePerProblemWithPath()
    {
        var config = Configs.Kms("http://127.0.0.1:9", "not a url")
            .Replace("\"AuthToken\": \"kp\"", "\"AuthToken\": \"nope\"")
            .Replace("\"TokenUrl\"", "\"RefreshAfter\": 3, \"TokenUrl\"");
        var path = await WriteAsync(config);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = ValidateCommand.Run(["--config", path], stdout, stderr);

        Assert.Equal(1, code);
        Assert.Equal("", stdout.ToString());
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        Assert.Contains(lines, l => l.StartsWith("TokenProviders:kp:RefreshAfter: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ReverseProxy:Routes:kms:Transforms:1:AuthToken: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ReverseProxy:Clusters:keyprotect", StringComparison.Ordinal));
        Assert.DoesNotContain(Configs.ApiKey, stderr.ToString());
    }

    private static async Task<string> WriteAsync(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"authproxy-validate-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }
}
