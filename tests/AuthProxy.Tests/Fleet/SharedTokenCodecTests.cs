using System.Text;
using AuthProxy.Tokens;
using AuthProxy.Tokens.Fleet;

namespace AuthProxy.Tests.Fleet;

public sealed class SharedTokenCodecTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly SharedTokenCodec _codec = new(FleetReplica.NewKey(), "p:");

    private static AccessToken Token(string header = "Bearer eyJhbGciOi.payload-secret.signature") =>
        AccessToken.Create(header, Now, Now.AddSeconds(-5), Now.AddHours(1), 0.8, TimeSpan.FromSeconds(10));

    [Fact]
    public void SealedEntry_OpensUnderItsKey_WithEveryInstant()
    {
        var token = Token();
        var key = _codec.EntryKey(_codec.Id("identity"));
        var sealedEntry = _codec.SealEntry(key, token, _codec.Tag(token.HeaderValue));

        Assert.True(_codec.TryOpenEntry(key, sealedEntry, out var entry));
        Assert.Equal(token.HeaderValue, entry!.HeaderValue);
        Assert.Equal(token.ObtainedAt, entry.ObtainedAt);
        Assert.Equal(token.IssuedAt, entry.IssuedAt);
        Assert.Equal(token.ExpiresAt, entry.ExpiresAt);
        Assert.Equal(_codec.Tag(token.HeaderValue), entry.Tag);
        Assert.True(SharedTokenCodec.TagOf(sealedEntry).SequenceEqual(entry.Tag));
    }

    [Fact]
    public void SealedEntry_HoldsNothingReadable()
    {
        var token = Token();
        var sealedEntry = _codec.SealEntry("p:token:x", token, _codec.Tag(token.HeaderValue));
        var text = Encoding.Latin1.GetString(sealedEntry);

        Assert.DoesNotContain("payload-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("payload-secret")), text, StringComparison.Ordinal);
        Assert.NotEqual(sealedEntry, _codec.SealEntry("p:token:x", token, _codec.Tag(token.HeaderValue))); // a fresh nonce every time
    }

    [Fact]
    public void EveryTamperedByte_IsRefused()
    {
        var token = Token();
        var sealedEntry = _codec.SealEntry("p:token:x", token, _codec.Tag(token.HeaderValue));
        for (var i = 0; i < sealedEntry.Length; i++)
        {
            var copy = (byte[])sealedEntry.Clone();
            copy[i] ^= 0x40;
            Assert.False(_codec.TryOpenEntry("p:token:x", copy, out _), $"byte {i} could be changed unnoticed");
        }

        Assert.False(_codec.TryOpenEntry("p:token:x", sealedEntry[..^1], out _));
        Assert.False(_codec.TryOpenEntry("p:token:x", [], out _));
        Assert.False(_codec.TryOpenEntry("p:token:x", "garbage"u8.ToArray(), out _));
    }

    [Fact]
    public void Entry_MovedUnderAnotherKey_OrSealedWithAnotherFleetsKey_IsRefused()
    {
        var token = Token();
        var sealedEntry = _codec.SealEntry("p:token:a", token, _codec.Tag(token.HeaderValue));

        Assert.False(_codec.TryOpenEntry("p:token:b", sealedEntry, out _));
        Assert.False(new SharedTokenCodec(FleetReplica.NewKey(), "p:").TryOpenEntry("p:token:a", sealedEntry, out _));
    }

    [Fact]
    public void Names_AreKeyedHashes_ThatOnlyTheKeyCanReproduce()
    {
        var other = new SharedTokenCodec(FleetReplica.NewKey(), "p:");

        Assert.Equal(_codec.Id("kp/IamApiKey/key-1"), _codec.Id("kp/IamApiKey/key-1"));
        Assert.NotEqual(_codec.Id("kp/IamApiKey/key-1"), _codec.Id("kp/IamApiKey/key-2"));
        Assert.NotEqual(_codec.Id("kp/IamApiKey/key-1"), other.Id("kp/IamApiKey/key-1"));
        Assert.Matches("^p:token:[0-9a-f]{64}$", _codec.EntryKey(_codec.Id("x")));
        Assert.Matches("^p:lease:[0-9a-f]{64}$", _codec.LeaseKey(_codec.Id("x")));
        Assert.StartsWith("p:", _codec.Channel, StringComparison.Ordinal);
        Assert.NotEqual(_codec.Tag("Bearer a"), other.Tag("Bearer a"));
    }

    [Fact]
    public void Events_RoundTrip_AndForgedOrForeignOnesAreRefused()
    {
        var message = new SharedCacheEvent(SharedCacheEventKind.Failed, "p:token:x", [1, 2, 3], TokenFailureKind.TimedOut, TimeSpan.FromSeconds(3),
            "the token endpoint did not answer within 1 s");
        var sealedEvent = _codec.SealEvent(message);

        Assert.True(_codec.TryOpenEvent(sealedEvent, out var opened));
        Assert.Equal(message.Kind, opened!.Kind);
        Assert.Equal(message.EntryKey, opened.EntryKey);
        Assert.Equal(message.Tag, opened.Tag);
        Assert.Equal(message.FailureKind, opened.FailureKind);
        Assert.Equal(message.RetryAfter, opened.RetryAfter);
        Assert.Equal(message.Reason, opened.Reason);
        Assert.False(new SharedTokenCodec(FleetReplica.NewKey(), "p:").TryOpenEvent(sealedEvent, out _));
        Assert.False(new SharedTokenCodec(FleetReplica.NewKey(), "q:").TryOpenEvent(sealedEvent, out _));
        var forged = (byte[])sealedEvent.Clone();
        forged[20] ^= 1;
        Assert.False(_codec.TryOpenEvent(forged, out _));
        Assert.DoesNotContain("did not answer", Encoding.Latin1.GetString(sealedEvent), StringComparison.Ordinal);
    }
}
