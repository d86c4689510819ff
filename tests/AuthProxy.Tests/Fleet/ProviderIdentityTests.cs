using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using AuthProxy.Tokens.Fleet;

namespace AuthProxy.Tests.Fleet;

/// <summary>Who shares a token (README "Running a fleet"): the same name, type, endpoints and credential — the credential by its content.</summary>
public sealed class ProviderIdentityTests : IDisposable
{
    private readonly SharedTokenCodec _codec = new(FleetReplica.NewKey(), "p:");
    private readonly TempDirectory _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void SameSettings_SameIdentity_WhateverTheTuningOptions()
    {
        var a = FleetReplica.Options();
        var b = FleetReplica.Options();
        b.RefreshAfter = 0.5;
        b.Timeout = TimeSpan.FromSeconds(3);
        b.ExpiryWindow = TimeSpan.FromSeconds(30);
        b.Lifetime = TimeSpan.FromMinutes(5);

        Assert.Equal(Id("kp", a), Id("kp", b));
    }

    [Fact]
    public void DifferentCredential_NameOrEndpoint_NeverShare()
    {
        var baseline = Id("kp", FleetReplica.Options());

        Assert.NotEqual(baseline, Id("kp", FleetReplica.Options(apiKey: "another-key")));
        Assert.NotEqual(baseline, Id("kp2", FleetReplica.Options()));
        Assert.NotEqual(baseline, Id("kp", FleetReplica.Options(tokenUrl: "https://iam.example.com/identity/token")));
        var scoped = FleetReplica.Options();
        scoped.Scope = "other";
        Assert.NotEqual(baseline, Id("kp", scoped));
    }

    [Fact]
    public void KeyFiles_CountByTheirContent_NotWhereTheySit()
    {
        var inline = FleetReplica.Options(apiKey: "the-key");
        var fileA = FleetReplica.Options(apiKey: null!);
        fileA.ApiKeyFile = _files.Write("a-key", "the-key\n");
        var fileB = FleetReplica.Options(apiKey: null!);
        fileB.ApiKeyFile = _files.Write("b-key", "the-key");
        var samePathOtherKey = FleetReplica.Options(apiKey: null!);
        samePathOtherKey.ApiKeyFile = fileA.ApiKeyFile;

        var a = Id("kp", fileA);
        Assert.Equal(Id("kp", inline), a);
        Assert.Equal(a, Id("kp", fileB));
        File.WriteAllText(fileA.ApiKeyFile, "a-rotated-key");
        Assert.NotEqual(a, Id("kp", samePathOtherKey)); // the same path, now holding another key: a new identity
    }

    [Fact]
    public void UnreadableSecret_OrAProviderThatFetchesNothing_HasNoIdentity()
    {
        var missing = FleetReplica.Options(apiKey: null!);
        missing.ApiKeyFile = _files.PathOf("no-such-file");
        var zen = new TokenProviderOptions { Type = "ZenApiKey", Username = "admin", ApiKey = "k" };

        Assert.False(ProviderIdentity.TryComputeId("kp", missing, _codec, out _));
        Assert.False(ProviderIdentity.TryComputeId("zen", zen, _codec, out _));
    }

    private string Id(string name, TokenProviderOptions options)
    {
        Assert.True(ProviderIdentity.TryComputeId(name, options, _codec, out var id));
        return id;
    }
}
