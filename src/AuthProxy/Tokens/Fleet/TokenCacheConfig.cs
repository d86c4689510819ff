using System.Security.Cryptography;
using System.Text;
using AuthProxy.Configuration;
using StackExchange.Redis;

namespace AuthProxy.Tokens.Fleet;

/// <summary>
/// Reads and checks the <c>TokenCache</c> section (README "Running a fleet"): <c>Redis</c> with <c>Configuration</c> or
/// <c>ConfigurationFile</c>, <c>KeyPrefix</c> and the required <c>EncryptionKeyFile</c> (32 random bytes, base64). Files
/// are read here, once per load, as secret files are (regular files only, bounded, surrounding white space trimmed).
/// Problems name their config key path and never the values (they are secrets).
/// </summary>
internal static class TokenCacheConfig
{
    /// <summary>The configuration section.</summary>
    public const string Section = "TokenCache";

    internal const string RedisKey = "Redis";
    internal const string ConfigurationKey = "Configuration";
    internal const string ConfigurationFileKey = "ConfigurationFile";
    internal const string KeyPrefixKey = "KeyPrefix";
    internal const string EncryptionKeyFileKey = "EncryptionKeyFile";

    /// <summary>Every option of <c>TokenCache:Redis</c>.</summary>
    internal static readonly IReadOnlyList<string> RedisOptions = [ConfigurationKey, ConfigurationFileKey, KeyPrefixKey, EncryptionKeyFileKey];

    private const int KeyBytes = 32;
    private const long MaxFileBytes = 64 * 1024;
    private const int MaxPrefixLength = 128;

    /// <summary>The shared cache's options, or null when the section is absent (each replica then caches alone).</summary>
    public static RedisTokenCacheOptions? Read(IConfiguration configuration, List<ConfigProblem> problems, List<ConfigProblem>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var section = configuration.GetSection(Section);
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add(new ConfigProblem(section.Path, $"must be an object: {{ \"{RedisKey}\": {{ … }} }}"));
            return null;
        }

        foreach (var child in section.GetChildren())
        {
            if (!child.Key.Equals(RedisKey, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new ConfigProblem(child.Path, $"unknown option '{child.Key}' (allowed: {RedisKey})"));
            }
        }

        var redis = section.GetSection(RedisKey);
        if (!redis.GetChildren().Any())
        {
            if (!string.IsNullOrEmpty(redis.Value))
            {
                problems.Add(new ConfigProblem(redis.Path, $"must be an object with {ConfigurationKey} (or {ConfigurationFileKey}) and {EncryptionKeyFileKey}"));
            }

            return null;
        }

        var before = problems.Count;
        foreach (var option in redis.GetChildren())
        {
            if (!RedisOptions.Contains(option.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add(new ConfigProblem(option.Path, $"unknown option '{option.Key}' (allowed: {string.Join(", ", RedisOptions)})"));
            }
            else if (option.Value is null && option.GetChildren().Any())
            {
                problems.Add(new ConfigProblem(option.Path, "must be a single value, not an object or array"));
            }
        }

        var text = ReadConfiguration(redis, problems, warnings);
        var prefix = ReadPrefix(redis, problems);
        var key = ReadKey(redis, problems, warnings);
        if (problems.Count != before || text is null || key is null)
        {
            return null;
        }

        var fingerprint = new StringBuilder().Append(text).Append('\n').Append(prefix).Append('\n').Append(Convert.ToBase64String(key));
        return new RedisTokenCacheOptions(text, prefix, key,
            Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint.ToString()))));
    }

    private static string? ReadConfiguration(IConfigurationSection redis, List<ConfigProblem> problems, List<ConfigProblem>? warnings)
    {
        var inline = redis[ConfigurationKey];
        var file = redis[ConfigurationFileKey];
        string text;
        string path;
        if (!string.IsNullOrEmpty(inline) && !string.IsNullOrWhiteSpace(file))
        {
            problems.Add(new ConfigProblem($"{redis.Path}:{ConfigurationKey}", $"set {ConfigurationKey} or {ConfigurationFileKey}, not both"));
            return null;
        }

        if (!string.IsNullOrWhiteSpace(file))
        {
            path = $"{redis.Path}:{ConfigurationFileKey}";
            if (!TryReadFile(file, path, problems, warnings, out text))
            {
                return null;
            }
        }
        else if (!string.IsNullOrWhiteSpace(inline))
        {
            path = $"{redis.Path}:{ConfigurationKey}";
            text = inline.Trim();
        }
        else
        {
            problems.Add(new ConfigProblem($"{redis.Path}:{ConfigurationKey}",
                $"required: the StackExchange.Redis configuration string (host:6379[,ssl=true,password=…]), or {ConfigurationFileKey} naming a file that holds it"));
            return null;
        }

        try
        {
            var parsed = ConfigurationOptions.Parse(text);
            if (parsed.EndPoints.Count == 0)
            {
                problems.Add(new ConfigProblem(path, "names no Redis endpoint (expected host:port first, e.g. redis:6379,ssl=true)"));
                return null;
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or NotSupportedException)
        {
            // The message may quote the string, which may hold a password: name only what kind of mistake it is.
            problems.Add(new ConfigProblem(path, $"is not a StackExchange.Redis configuration string ({ex.GetType().Name}); expected host:port[,option=value…]"));
            return null;
        }

        return text;
    }

    private static string ReadPrefix(IConfigurationSection redis, List<ConfigProblem> problems)
    {
        var setting = redis.GetSection(KeyPrefixKey);
        if (setting.Value is null)
        {
            return RedisTokenCacheOptions.DefaultKeyPrefix;
        }

        var prefix = setting.Value;
        if (prefix.Length == 0 || prefix.Length > MaxPrefixLength || prefix.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            problems.Add(new ConfigProblem(setting.Path,
                $"must be 1 to {MaxPrefixLength} characters without white space, e.g. \"{RedisTokenCacheOptions.DefaultKeyPrefix}\" (the default)"));
        }

        return prefix;
    }

    private static byte[]? ReadKey(IConfigurationSection redis, List<ConfigProblem> problems, List<ConfigProblem>? warnings)
    {
        var path = $"{redis.Path}:{EncryptionKeyFileKey}";
        var file = redis[EncryptionKeyFileKey];
        if (string.IsNullOrWhiteSpace(file))
        {
            problems.Add(new ConfigProblem(path,
                "required: a file holding 32 random bytes in base64 (head -c 32 /dev/urandom | base64); no token is stored in Redis unencrypted"));
            return null;
        }

        if (!TryReadFile(file, path, problems, warnings, out var text))
        {
            return null;
        }

        var key = new byte[KeyBytes + 1];
        if (!Convert.TryFromBase64String(text, key, out var written) || written != KeyBytes)
        {
            CryptographicOperations.ZeroMemory(key);
            problems.Add(new ConfigProblem(path, $"the file it names must hold exactly {KeyBytes} bytes in base64 (head -c 32 /dev/urandom | base64)"));
            return null;
        }

        var result = key[..KeyBytes];
        CryptographicOperations.ZeroMemory(key);
        return result;
    }

    private static bool TryReadFile(string file, string path, List<ConfigProblem> problems, List<ConfigProblem>? warnings, out string text)
    {
        var outcome = SmallFile.TryReadTrimmed(file, MaxFileBytes, out text, out var stamp);
        if (outcome != SmallFileOutcome.Read)
        {
            problems.Add(new ConfigProblem(path, $"the file it names {SmallFile.Describe(outcome, MaxFileBytes)}"));
            return false;
        }

        if (stamp.IsWorldWritable)
        {
            warnings?.Add(new ConfigProblem(path, "the file it names can be written by any user of this host (chmod o-w it)"));
        }

        return true;
    }
}
