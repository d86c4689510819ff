using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AuthProxy.Tokens.Fleet;

/// <summary>
/// Names, seals and opens what the proxy keeps in Redis, with the configured 32-byte key.
/// <list type="bullet">
/// <item>Entry and lease keys are <c>{KeyPrefix}token:{id}</c> and <c>{KeyPrefix}lease:{id}</c>, where the id is an
/// HMAC-SHA256 (under a key derived from the encryption key) of the provider's identity: its name, type, endpoints and
/// credential. Without the key nobody can tell which credential an entry belongs to, or test a guess.</item>
/// <item>An entry is <c>version | tag | nonce | AES-256-GCM(obtained, issued, expires, header) | GCM tag</c>, the entry's
/// key, version and token tag authenticated with it: a tampered entry, one copied under another key, or one sealed with
/// another fleet's key does not open and is ignored.</item>
/// <item>A token's tag (an HMAC of the token under another derived key) names a token in Redis — to drop exactly that token
/// fleet-wide after a 401 — without revealing it.</item>
/// <item>Channel messages are sealed the same way, so a forged or foreign invalidation is ignored.</item>
/// </list>
/// </summary>
internal sealed class SharedTokenCodec
{
    /// <summary>Bytes of a token tag.</summary>
    public const int TagBytes = 16;

    private const byte Version = 1;
    private const int NonceBytes = 12;
    private const int GcmTagBytes = 16;
    private const int EntryHeaderBytes = 1 + TagBytes + NonceBytes;
    private const int TimesBytes = 3 * sizeof(long);
    private const int EventHeaderBytes = 1 + NonceBytes;

    private readonly byte[] _key;
    private readonly byte[] _nameKey;
    private readonly byte[] _tagKey;

    public SharedTokenCodec(byte[] key, string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length != 32)
        {
            throw new ArgumentException("the token cache key must be 32 bytes", nameof(key));
        }

        _key = key;
        _nameKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, info: "AuthProxy token cache v1: key names"u8.ToArray());
        _tagKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, info: "AuthProxy token cache v1: token tags"u8.ToArray());
        KeyPrefix = keyPrefix;
        Channel = keyPrefix + "events";
    }

    public string KeyPrefix { get; }

    /// <summary>The pub/sub channel of the fleet's shared cache.</summary>
    public string Channel { get; }

    /// <summary>The keyed id of a provider identity (hex, 64 characters).</summary>
    public string Id(string identity) => Convert.ToHexStringLower(HMACSHA256.HashData(_nameKey, Encoding.UTF8.GetBytes(identity)));

    public string EntryKey(string id) => $"{KeyPrefix}token:{id}";

    public string LeaseKey(string id) => $"{KeyPrefix}lease:{id}";

    /// <summary>The keyed tag of a token: names it in Redis and in messages without revealing it.</summary>
    public byte[] Tag(string headerValue) => HMACSHA256.HashData(_tagKey, Encoding.UTF8.GetBytes(headerValue))[..TagBytes];

    /// <summary>The tag of a sealed entry, read without opening it (the Lua scripts compare it); empty when malformed.</summary>
    public static ReadOnlySpan<byte> TagOf(ReadOnlySpan<byte> sealedEntry) =>
        sealedEntry.Length > EntryHeaderBytes && sealedEntry[0] == Version ? sealedEntry.Slice(1, TagBytes) : default;

    /// <summary>Seals a token for <paramref name="entryKey"/>.</summary>
    public byte[] SealEntry(string entryKey, AccessToken token, byte[] tag)
    {
        ArgumentNullException.ThrowIfNull(token);
        var header = Encoding.UTF8.GetBytes(token.HeaderValue);
        var plain = new byte[TimesBytes + header.Length];
        BinaryPrimitives.WriteInt64LittleEndian(plain, token.ObtainedAt.UtcTicks);
        BinaryPrimitives.WriteInt64LittleEndian(plain.AsSpan(8), token.IssuedAt.UtcTicks);
        BinaryPrimitives.WriteInt64LittleEndian(plain.AsSpan(16), token.ExpiresAt.UtcTicks);
        header.CopyTo(plain, TimesBytes);
        CryptographicOperations.ZeroMemory(header);

        var sealedEntry = new byte[EntryHeaderBytes + plain.Length + GcmTagBytes];
        sealedEntry[0] = Version;
        tag.CopyTo(sealedEntry, 1);
        var nonce = sealedEntry.AsSpan(1 + TagBytes, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, GcmTagBytes))
        {
            aes.Encrypt(nonce, plain, sealedEntry.AsSpan(EntryHeaderBytes, plain.Length), sealedEntry.AsSpan(EntryHeaderBytes + plain.Length),
                EntryAssociatedData(entryKey, tag));
        }

        CryptographicOperations.ZeroMemory(plain);
        return sealedEntry;
    }

    /// <summary>Opens an entry read from <paramref name="entryKey"/>; false when it is malformed, tampered with, or not this fleet's.</summary>
    public bool TryOpenEntry(string entryKey, ReadOnlySpan<byte> sealedEntry, out SharedTokenEntry? entry)
    {
        entry = null;
        if (sealedEntry.Length < EntryHeaderBytes + TimesBytes + 1 + GcmTagBytes || sealedEntry[0] != Version)
        {
            return false;
        }

        var tag = sealedEntry.Slice(1, TagBytes).ToArray();
        var nonce = sealedEntry.Slice(1 + TagBytes, NonceBytes);
        var cipherLength = sealedEntry.Length - EntryHeaderBytes - GcmTagBytes;
        var plain = new byte[cipherLength];
        try
        {
            using var aes = new AesGcm(_key, GcmTagBytes);
            aes.Decrypt(nonce, sealedEntry.Slice(EntryHeaderBytes, cipherLength), sealedEntry[^GcmTagBytes..], plain, EntryAssociatedData(entryKey, tag));
            var obtained = BinaryPrimitives.ReadInt64LittleEndian(plain);
            var issued = BinaryPrimitives.ReadInt64LittleEndian(plain.AsSpan(8));
            var expires = BinaryPrimitives.ReadInt64LittleEndian(plain.AsSpan(16));
            if (!ValidTicks(obtained) || !ValidTicks(issued) || !ValidTicks(expires))
            {
                return false;
            }

            var header = Encoding.UTF8.GetString(plain, TimesBytes, plain.Length - TimesBytes);
            // The tag in clear is authenticated; that it belongs to this token is checked too (a bug, not an attack, otherwise).
            if (!CryptographicOperations.FixedTimeEquals(Tag(header), tag))
            {
                return false;
            }

            entry = new SharedTokenEntry(header, new DateTimeOffset(obtained, TimeSpan.Zero), new DateTimeOffset(issued, TimeSpan.Zero),
                new DateTimeOffset(expires, TimeSpan.Zero), tag);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Seals a channel message.</summary>
    public byte[] SealEvent(SharedCacheEvent message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var key = Encoding.UTF8.GetBytes(message.EntryKey);
        var reason = Encoding.UTF8.GetBytes(message.Reason);
        var plain = new byte[1 + 2 + key.Length + 1 + message.Tag.Length + 1 + 8 + reason.Length];
        var at = 0;
        plain[at++] = (byte)message.Kind;
        BinaryPrimitives.WriteUInt16LittleEndian(plain.AsSpan(at), (ushort)key.Length);
        at += 2;
        key.CopyTo(plain, at);
        at += key.Length;
        plain[at++] = (byte)message.Tag.Length;
        message.Tag.CopyTo(plain, at);
        at += message.Tag.Length;
        plain[at++] = (byte)message.FailureKind;
        BinaryPrimitives.WriteInt64LittleEndian(plain.AsSpan(at), message.RetryAfter?.Ticks ?? -1);
        at += 8;
        reason.CopyTo(plain, at);

        var sealedEvent = new byte[EventHeaderBytes + plain.Length + GcmTagBytes];
        sealedEvent[0] = Version;
        var nonce = sealedEvent.AsSpan(1, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, GcmTagBytes))
        {
            aes.Encrypt(nonce, plain, sealedEvent.AsSpan(EventHeaderBytes, plain.Length), sealedEvent.AsSpan(EventHeaderBytes + plain.Length),
                EventAssociatedData());
        }

        return sealedEvent;
    }

    /// <summary>Opens a channel message; false when it is malformed, forged, or another fleet's.</summary>
    public bool TryOpenEvent(ReadOnlySpan<byte> sealedEvent, out SharedCacheEvent? message)
    {
        message = null;
        if (sealedEvent.Length < EventHeaderBytes + 13 + GcmTagBytes || sealedEvent[0] != Version)
        {
            return false;
        }

        var cipherLength = sealedEvent.Length - EventHeaderBytes - GcmTagBytes;
        var plain = new byte[cipherLength];
        try
        {
            using (var aes = new AesGcm(_key, GcmTagBytes))
            {
                aes.Decrypt(sealedEvent.Slice(1, NonceBytes), sealedEvent.Slice(EventHeaderBytes, cipherLength), sealedEvent[^GcmTagBytes..], plain,
                    EventAssociatedData());
            }

            var at = 0;
            var kind = (SharedCacheEventKind)plain[at++];
            int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(plain.AsSpan(at));
            at += 2;
            var key = Encoding.UTF8.GetString(plain, at, keyLength);
            at += keyLength;
            int tagLength = plain[at++];
            var tag = plain.AsSpan(at, tagLength).ToArray();
            at += tagLength;
            var failure = (TokenFailureKind)plain[at++];
            var retryTicks = BinaryPrimitives.ReadInt64LittleEndian(plain.AsSpan(at));
            at += 8;
            var reason = Encoding.UTF8.GetString(plain, at, plain.Length - at);
            if (!Enum.IsDefined(kind) || !Enum.IsDefined(failure))
            {
                return false;
            }

            message = new SharedCacheEvent(kind, key, tag, failure, retryTicks >= 0 ? TimeSpan.FromTicks(retryTicks) : null, reason);
            return true;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentOutOfRangeException or IndexOutOfRangeException or ArgumentException)
        {
            return false;
        }
    }

    private static bool ValidTicks(long ticks) => ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks;

    private static byte[] EntryAssociatedData(string entryKey, ReadOnlySpan<byte> tag)
    {
        var name = Encoding.UTF8.GetBytes("AuthProxy token cache v1 entry\n" + entryKey + "\n");
        var data = new byte[name.Length + 1 + tag.Length];
        name.CopyTo(data, 0);
        data[name.Length] = Version;
        tag.CopyTo(data.AsSpan(name.Length + 1));
        return data;
    }

    private byte[] EventAssociatedData() => Encoding.UTF8.GetBytes("AuthProxy token cache v1 event\n" + Channel);
}
