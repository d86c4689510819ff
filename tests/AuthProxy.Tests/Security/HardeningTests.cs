using System.Net;
using System.Text;
using AuthProxy.Hosting;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tests.InboundAuth;
using AuthProxy.Tokens;
using Microsoft.AspNetCore.Http.Features;

namespace AuthProxy.Tests.Security;

/// <summary>
/// What a security probe found an attacker, a careless edit or a chatty token endpoint could do: each case as it was
/// reproduced, and what the proxy does now.
/// </summary>
public sealed class HardeningTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    // 2. Secrets through a token endpoint's error text.

    [Theory]
    [InlineData("the-key-is-28-characters-ok!")]
    [InlineData("k9")]
    [InlineData("key with spaces/and+plus=")]
    public async Task TokenEndpointEchoingTheKey_InReasonPhraseAndMessage_LeaksNothing(string apiKey)
    {
        // The message puts the key across the 200-character cut, and in its URL-encoded and base64 spellings.
        var message = new string('x', 185) + " Bad key " + apiKey + " / " + Uri.EscapeDataString(apiKey) + " / " +
                      Convert.ToBase64String(Encoding.UTF8.GetBytes("client:" + apiKey));
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Idp = async (context, _) =>
            {
                context.Response.StatusCode = 400;
                context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = "Bad key " + apiKey;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$"""{ "errorCode": "BXNIM0415E", "errorMessage": "{{message}}" }""");
            };
            o.Config = e => Configs.Kms(e.Idp.Url, e.Upstream.Url).Replace(Configs.ApiKey, apiKey);
        });
        var client = env.Client;

        using var response = await client.GetAsync("/kms/keys");
        var body = await response.Content.ReadAsStringAsync();
        var status = await client.GetStringAsync("/_authproxy/status");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("BXNIM0415E", body);
        Assert.Contains("Bad key ***", body);
        foreach (var text in new[] { body, status, string.Join("\n", env.Proxy.Logs) })
        {
            Assert.DoesNotContain(apiKey, text);
            Assert.DoesNotContain(Uri.EscapeDataString(apiKey), text);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("client:" + apiKey)), text);
            if (apiKey.Length > 23)
            {
                Assert.DoesNotContain(apiKey[..23], text);
            }
        }
    }

    [Theory]
    [InlineData("abc", "xx abc yy", "xx *** yy")]
    [InlineData("s3cr3t", "a\r\nb s3cr3t", "a  b ***")]
    [InlineData("p w", "p%20w p+w", "*** ***")]
    public void Scrubber_ReplacesEveryFormThenCleansThenCuts(string secret, string text, string expected)
    {
        Assert.Equal(expected, SecretScrubber.Scrub(text, [secret]));
    }

    [Fact]
    public void Scrubber_SecretStraddlingTheCut_IsGoneWhole()
    {
        var secret = "0123456789abcdefghijklmnopqr";
        var text = new string('.', SecretScrubber.MaxChars - 10) + secret;

        var clean = SecretScrubber.Scrub(text, [secret]);

        Assert.DoesNotContain("0123456789", clean);
        Assert.EndsWith("***", clean);
    }

    // 3. Option values echoed in errors.

    [Theory]
    [InlineData("""{ "Type": "IamApiKey", "ApiKeyFile": "SECRET-KEY-PASTED-AS-A-FILE-0123" }""", "TokenProviders:kp:ApiKeyFile")]
    [InlineData("""{ "Type": "SklmLogin", "Url": "https://sklm:9443", "UserId": "u", "PasswordFile": "SECRET-KEY-PASTED-AS-A-FILE-0123" }""", "TokenProviders:kp:PasswordFile")]
    [InlineData("""{ "Type": "IamApiKey", "ApiKey": "k", "TokenUrl": "https://admin:SECRET-KEY-PASTED-AS-A-FILE-0123@iam.example.com/identity/token" }""", "TokenProviders:kp:TokenUrl")]
    [InlineData("""{ "Type": "IamApiKey", "ApiKey": "k", "Timeout": "SECRET-KEY-PASTED-AS-A-FILE-0123" }""", "TokenProviders:kp:Timeout")]
    public void ValidationProblems_NameTheOptionWithoutEchoingAPossibleSecret(string provider, string path)
    {
        var config = _folder.Write("authproxy.json", $$"""{ "TokenProviders": { "kp": {{provider}} }, "ReverseProxy": {} }""");

        var (code, _, stderr) = Validate("--config", config);

        Assert.Equal(1, code);
        Assert.StartsWith(path + ": ", stderr);
        Assert.DoesNotContain("SECRET-KEY", stderr);
    }

    [Fact]
    public void InboundKeyFile_PastedKey_IsNotEchoed()
    {
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal("""{ "Clients": { "app": { "ApiKeyFile": "SECRET-INBOUND-KEY-0123456789" } } }"""));

        var (code, _, stderr) = Validate("--config", config);

        Assert.Equal(1, code);
        Assert.StartsWith("InboundAuth:Clients:app:ApiKeyFile: the key file it names does not exist", stderr);
        Assert.DoesNotContain("SECRET-INBOUND", stderr);
    }

    [Fact]
    public async Task SecretFileMissingAtFetchTime_TheProblemAnswerNamesTheOptionNotThePath()
    {
        var keyFile = _folder.Write("kp-key", "k");
        await using var env = await TestEnvironment.StartAsync(output, o =>
            o.Config = e => Configs.Kms(e.Idp.Url, e.Upstream.Url).Replace($"\"ApiKey\": \"{Configs.ApiKey}\"", $"\"ApiKeyFile\": \"{keyFile}\""));
        File.Delete(keyFile);
        var client = env.Client;

        var body = await (await client.GetAsync("/kms/keys")).Content.ReadAsStringAsync();

        Assert.Contains("the file named by ApiKeyFile does not exist", body);
        Assert.DoesNotContain(keyFile, body);
    }

    // 4. Log injection.

    [Fact]
    public async Task ForgedLogLines_InARequestPath_AreEscaped()
    {
        var batchKey = _folder.Write("batch-key", InboundConfigs.BatchKey);
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Config = e => InboundConfigs.Gateway(e.Idp.Url, e.Upstream.Url, InboundConfigs.InboundSection(batchKey));
            o.MinimumLevel = LogLevel.Trace;
        });
        var client = env.Client;
        const string Forged = "/x%0d%0ainfo:%20AuthProxy.Tokens.TokenCache[1000]%0d%0a%20%20%20%20%20%20Token%20provider%20forged";

        using var forbidden = new HttpRequestMessage(HttpMethod.Get, "/kms" + Forged);
        forbidden.Headers.Add("X-API-Key", InboundConfigs.BatchKey); // batch is outside kms-clients: 403, logged at Information
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(forbidden)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/kms" + Forged)).StatusCode); // 401, logged at Debug

        var injected = env.Proxy.Logs.Where(l => l.Contains("TokenCache[1000]", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(injected);
        Assert.All(injected, line =>
        {
            Assert.DoesNotContain('\r', line);
            Assert.DoesNotContain('\n', line);
            Assert.Contains("\\r\\ninfo: AuthProxy.Tokens.TokenCache[1000]", line);
        });
        Assert.Contains(env.Proxy.Logs, l => l.Contains("[4103]", StringComparison.Ordinal) && l.Contains("\\r\\n", StringComparison.Ordinal));
        Assert.Contains(env.Proxy.Logs, l => l.Contains("[4102]", StringComparison.Ordinal) && l.Contains("\\r\\n", StringComparison.Ordinal));
    }

    // 5. Reload on hostile files.

    [Fact]
    public async Task ConfigSwappedForALinkToDevZero_IsRefusedWithoutReading_AndTheGoodFileStillApplies()
    {
        await using var env = await TestEnvironment.StartAsync(output);
        var good = Configs.Kms(env.Idp.Url, env.Upstream.Url);
        var reloader = env.Proxy.Services.GetRequiredService<ConfigReloader>();
        var real = env.Proxy.ConfigPath + ".real";
        File.Move(env.Proxy.ConfigPath, real);
        File.CreateSymbolicLink(env.Proxy.ConfigPath, "/dev/zero");

        Assert.False(reloader.CheckNow()); // returns at once: the link leads to a device, which is not read
        Assert.False(reloader.CheckNow());
        Assert.Single(env.Proxy.Logs, l => l.Contains("is not a regular file", StringComparison.Ordinal) && l.Contains("[3001]", StringComparison.Ordinal));

        File.Delete(env.Proxy.ConfigPath);
        await File.WriteAllTextAsync(env.Proxy.ConfigPath, good.Replace("/kms/{**rest}", "/kms2/{**rest}"));
        Assert.True(reloader.CheckNow());
        var client = env.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/kms2/a")).StatusCode);
    }

    [Fact]
    public async Task ConfigWithInvalidUtf8_IsRejected_AndTheWatcherKeepsWatching()
    {
        // Found by the soak's barrage: the reader's UTF-8 failure stopped the reload watcher, and with it the host.
        await using var env = await TestEnvironment.StartAsync(output);
        var good = Configs.Kms(env.Idp.Url, env.Upstream.Url);
        var reloader = env.Proxy.Services.GetRequiredService<ConfigReloader>();
        await File.WriteAllBytesAsync(env.Proxy.ConfigPath, [.. "{ \"ReverseProxy\": { \"x\": \""u8, 0xFF, 0xFE, .. "\" } }"u8]);

        Assert.False(reloader.CheckNow());
        Assert.Contains(env.Proxy.Logs, l => l.Contains("[3001]", StringComparison.Ordinal) && l.Contains("not valid UTF-8", StringComparison.Ordinal));

        await File.WriteAllTextAsync(env.Proxy.ConfigPath, good.Replace("/kms/{**rest}", "/kms2/{**rest}"));
        Assert.True(reloader.CheckNow());
    }

    [Fact]
    public async Task OversizedConfig_IsRejectedOnce_NotReReadEverySecond()
    {
        await using var env = await TestEnvironment.StartAsync(output);
        var reloader = env.Proxy.Services.GetRequiredService<ConfigReloader>();
        await using (var stream = File.Create(env.Proxy.ConfigPath))
        {
            stream.SetLength(100L * 1024 * 1024); // sparse: 100 MB on paper
        }

        reloader.CheckNow();
        reloader.CheckNow();
        reloader.CheckNow();

        Assert.Single(env.Proxy.Logs, l => l.Contains("[3001]", StringComparison.Ordinal) && l.Contains("larger than 4 MiB", StringComparison.Ordinal));
    }

    [Fact]
    public void InboundKeyFile_LinkedToDevZero_IsRefusedNotReadForever()
    {
        var link = _folder.PathOf("zero-key");
        File.CreateSymbolicLink(link, "/dev/zero");
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal($$"""{ "Clients": { "app": { "ApiKeyFile": "{{link}}" } } }"""));

        var (code, _, stderr) = Validate("--config", config);

        Assert.Equal(1, code);
        Assert.Contains("InboundAuth:Clients:app:ApiKeyFile: the key file it names is not a regular file", stderr);
    }

    // 6. Configurations that validate but cannot work.

    [Fact]
    public void InboundApiKey_LongerThanAClientMaySend_IsAConfigurationError()
    {
        var key = new string('k', 1025);
        var config = _folder.Write("authproxy.json", InboundConfigs.Minimal($$"""{ "Clients": { "app": { "ApiKey": "{{key}}" } } }"""));

        var (code, _, stderr) = Validate("--config", config);

        Assert.Equal(1, code);
        Assert.StartsWith("InboundAuth:Clients:app:ApiKey: is longer than 1024 bytes", stderr);
        Assert.DoesNotContain(key, stderr);
    }

    [Fact]
    public void CorsPolicy_IsRefusedWithItsReason_NotA500PerRequest()
    {
        var json = Configs.Kms("http://127.0.0.1:9", "http://127.0.0.1:9").Replace("\"ClusterId\": \"keyprotect\",", "\"ClusterId\": \"keyprotect\", \"CorsPolicy\": \"Default\",");
        var config = _folder.Write("authproxy.json", json);

        var (code, _, stderr) = Validate("--config", config);

        Assert.Equal(1, code);
        Assert.StartsWith("ReverseProxy:Routes:kms:CorsPolicy: is not supported", stderr);
    }

    [Fact]
    public async Task RouteTimeout_IsEnforced_AsA504()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var env = await TestEnvironment.StartAsync(output, o =>
        {
            o.Upstream = async (context, _) =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    released.TrySetResult();
                }
            };
            o.Config = e => Configs.Kms(e.Idp.Url, e.Upstream.Url).Replace("\"ClusterId\": \"keyprotect\",", "\"ClusterId\": \"keyprotect\", \"Timeout\": \"00:00:01\",");
        });
        var client = env.Client;

        using var response = await client.GetAsync("/kms/slow");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        await released.Task.WaitAsync(TestTimeouts.Default);
    }

    // 7. World-writable configuration and key files.

    [Fact]
    public async Task WorldWritableConfigAndKeyFile_AreWarnedAbout_AtStartUpAndInValidate()
    {
        var keyFile = _folder.Write("app-key", InboundConfigs.BillingKey);
        File.SetUnixFileMode(keyFile, File.GetUnixFileMode(keyFile) | UnixFileMode.OtherWrite);
        var json = InboundConfigs.Minimal($$"""{ "Clients": { "app": { "ApiKeyFile": "{{keyFile}}" } } }""");

        await using var env = await TestEnvironment.StartAsync(output, o => o.Config = _ => json);
        File.SetUnixFileMode(env.Proxy.ConfigPath, File.GetUnixFileMode(env.Proxy.ConfigPath) | UnixFileMode.OtherWrite);
        var (code, _, stderr) = Validate("--config", env.Proxy.ConfigPath);

        Assert.Contains(env.Proxy.Logs, l => l.Contains("[3011]", StringComparison.Ordinal) && l.Contains("InboundAuth:Clients:app:ApiKeyFile", StringComparison.Ordinal));
        Assert.Equal(0, code);
        Assert.Contains("warning: (file): the configuration file", stderr);
        Assert.Contains("warning: InboundAuth:Clients:app:ApiKeyFile: the key file it names can be written by any user", stderr);
    }

    private static (int Code, string Stdout, string Stderr) Validate(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ValidateCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
