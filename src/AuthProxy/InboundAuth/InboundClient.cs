namespace AuthProxy.InboundAuth;

/// <summary>A configured inbound client: its name and the SHA-256 digest of its key. The key itself is not kept.</summary>
internal sealed class InboundClient
{
    public InboundClient(string name, byte[] keyDigest)
    {
        ArgumentNullException.ThrowIfNull(keyDigest);
        if (keyDigest.Length != InboundCredentials.DigestLength)
        {
            throw new ArgumentException("A key digest is 32 bytes (SHA-256).", nameof(keyDigest));
        }

        Name = name;
        KeyDigest = keyDigest;
    }

    /// <summary>The client name as written under <c>InboundAuth:Clients</c>.</summary>
    public string Name { get; }

    /// <summary>SHA-256 of the client's key (UTF-8).</summary>
    public byte[] KeyDigest { get; }

    /// <summary>Only the name: the digest is not for logs either.</summary>
    public override string ToString() => Name;
}
