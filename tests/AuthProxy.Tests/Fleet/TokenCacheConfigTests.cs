using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens.Fleet;

namespace AuthProxy.Tests.Fleet;

/// <summary>The <c>TokenCache</c> section is judged with the rest of the configuration: every problem with its key path, no secret shown.</summary>
public sealed class TokenCacheConfigTests : IDisposable
{
    private const string Password = "redis-password-SECRET";
    private readonly TempDirectory _files = new();
    private readonly string _keyFile;

    public TokenCacheConfigTests() => _keyFile = _files.Write("key", Convert.ToBase64String(FleetReplica.NewKey()) + "\n");

    public void Dispose() => _files.Dispose();

    [Fact]
    public void NoSection_NoSharedCache()
    {
        var snapshot = Judge(new Dictionary<string, string?>());

        Assert.Empty(snapshot.Problems);
        Assert.Null(snapshot.TokenCache);
    }

    [Fact]
    public void ValidSection_IsRead_WithTheDefaultPrefix_AndTheKeyFromItsFile()
    {
        var snapshot = Judge(Redis(("Configuration", $"redis.example.com:6380,ssl=true,password={Password}"), ("EncryptionKeyFile", _keyFile)));

        Assert.Empty(snapshot.Problems);
        Assert.Equal("authproxy:", snapshot.TokenCache!.KeyPrefix);
        Assert.Equal(32, snapshot.TokenCache.EncryptionKey.Length);
        Assert.DoesNotContain(Password, snapshot.TokenCache.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationFile_IsReadLikeASecretFile()
    {
        var file = _files.Write("redis", $"127.0.0.1:6379,password={Password}\n");

        var snapshot = Judge(Redis(("ConfigurationFile", file), ("EncryptionKeyFile", _keyFile), ("KeyPrefix", "fleet-a:")));

        Assert.Empty(snapshot.Problems);
        Assert.Equal($"127.0.0.1:6379,password={Password}", snapshot.TokenCache!.Configuration);
        Assert.Equal("fleet-a:", snapshot.TokenCache.KeyPrefix);
    }

    public static TheoryData<string, string?, string, string> Mistakes => new()
    {
        // option, value, the path of the problem, what its reason says
        { "EncryptionKeyFile", null, "TokenCache:Redis:EncryptionKeyFile", "required" },
        { "EncryptionKeyFile", "/no/such/key", "TokenCache:Redis:EncryptionKeyFile", "does not exist" },
        { "EncryptionKeyFile", "SHORT", "TokenCache:Redis:EncryptionKeyFile", "exactly 32 bytes" },
        { "EncryptionKeyFile", "LONG", "TokenCache:Redis:EncryptionKeyFile", "exactly 32 bytes" },
        { "EncryptionKeyFile", "NOTBASE64", "TokenCache:Redis:EncryptionKeyFile", "exactly 32 bytes" },
        { "Configuration", null, "TokenCache:Redis:Configuration", "required" },
        { "Configuration", "password=" + Password, "TokenCache:Redis:Configuration", "names no Redis endpoint" },
        { "Configuration", "127.0.0.1:6379,passwrd=" + Password, "TokenCache:Redis:Configuration", "not a StackExchange.Redis configuration string" },
        { "KeyPrefix", "with space", "TokenCache:Redis:KeyPrefix", "without white space" },
        { "KeyPrefix", "", "TokenCache:Redis:KeyPrefix", "1 to 128 characters" },
        { "Colour", "blue", "TokenCache:Redis:Colour", "unknown option" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Mistake_IsReportedAtItsPath_WithoutTheSecret(string option, string? value, string path, string reason)
    {
        var settings = new Dictionary<string, string?>
        {
            ["TokenCache:Redis:Configuration"] = "127.0.0.1:6379",
            ["TokenCache:Redis:EncryptionKeyFile"] = _keyFile,
        };
        settings[$"TokenCache:Redis:{option}"] = value switch
        {
            "SHORT" => _files.Write("short", Convert.ToBase64String(new byte[16])),
            "LONG" => _files.Write("long", Convert.ToBase64String(new byte[48])),
            "NOTBASE64" => _files.Write("text", "this is not base64 at all!"),
            _ => value,
        };

        var problem = Assert.Single(Judge(settings).Problems);

        Assert.Equal(path, problem.Path);
        Assert.Contains(reason, problem.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void BothConfigurationAndItsFile_AreRefused()
    {
        var settings = Redis(("Configuration", "127.0.0.1:6379"), ("ConfigurationFile", _files.Write("r", "127.0.0.1:6379")), ("EncryptionKeyFile", _keyFile));

        Assert.Contains(Judge(settings).Problems, p => p.Path == "TokenCache:Redis:Configuration" && p.Reason.Contains("not both", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownSubsection_IsRefused()
    {
        var problem = Assert.Single(Judge(new Dictionary<string, string?> { ["TokenCache:Memcached:Servers"] = "x" }).Problems);

        Assert.Equal("TokenCache:Memcached", problem.Path);
    }

    private static Dictionary<string, string?> Redis(params (string Key, string Value)[] options) =>
        options.ToDictionary(o => $"TokenCache:Redis:{o.Key}", o => (string?)o.Value);

    private static AuthProxy.Hosting.ConfigSnapshot Judge(Dictionary<string, string?> settings) =>
        ConfigChecks.Judge(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}
