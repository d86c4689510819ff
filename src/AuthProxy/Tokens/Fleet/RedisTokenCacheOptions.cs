namespace AuthProxy.Tokens.Fleet;

/// <summary>
/// The validated <c>TokenCache:Redis</c> section (README "Running a fleet"): where the fleet's shared token cache lives and the key
/// that seals every entry. Holds secrets (the connection string may carry a password; the key is the key): never printed.
/// </summary>
internal sealed class RedisTokenCacheOptions
{
    /// <summary>The default <c>KeyPrefix</c>.</summary>
    public const string DefaultKeyPrefix = "authproxy:";

    /// <summary>The longest a client request waits on any one Redis operation before the replica goes on alone.</summary>
    public static readonly TimeSpan OperationBudget = TimeSpan.FromMilliseconds(250);

    public RedisTokenCacheOptions(string configuration, string keyPrefix, byte[] encryptionKey, string fingerprint)
    {
        Configuration = configuration;
        KeyPrefix = keyPrefix;
        EncryptionKey = encryptionKey;
        Fingerprint = fingerprint;
    }

    /// <summary>The StackExchange.Redis configuration string (<c>host:6379,ssl=true,password=…</c>). Secret.</summary>
    public string Configuration { get; }

    /// <summary>Every key and channel the proxy uses starts with this.</summary>
    /// <remarks>Default <c>authproxy:</c>.</remarks>
    public string KeyPrefix { get; }

    /// <summary>The 32-byte AES-256-GCM key read from <c>EncryptionKeyFile</c>. Secret.</summary>
    public byte[] EncryptionKey { get; }

    /// <summary>A hash of every setting (secrets included, never shown), to tell a changed section on reload.</summary>
    public string Fingerprint { get; }

    /// <summary>Never prints the connection string or the key.</summary>
    public override string ToString() => $"RedisTokenCacheOptions(KeyPrefix={KeyPrefix}, ***)";
}
