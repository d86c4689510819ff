namespace AuthProxy.Soak;

/// <summary>The faults a soak run can inject; each one is switched on or off by <c>--faults</c>.</summary>
[Flags]
internal enum Faults
{
    None = 0,

    /// <summary>Tokens live seconds (IAM 6 s, Cloud Pak JWT 8 s, SKLM Lifetime 8 s), so renewal runs all the time.</summary>
    Lifetimes = 1,

    /// <summary>The IdPs fail a share of token requests: 500, a hang past the provider Timeout, or 429 with Retry-After: 1.</summary>
    IdpErrors = 2,

    /// <summary>Every 10 s the upstreams revoke every token issued so far: requests meet 401 and the proxy's retry covers them.</summary>
    Revocations = 4,

    /// <summary>SKLM session ids die after 5 s idle; SKLM traffic pauses for 6.5 s every 20 s so they do.</summary>
    SklmIdle = 8,

    /// <summary>Every 10 s the config file is rewritten: a valid change and an invalid edit, alternately.</summary>
    ConfigEdits = 16,

    /// <summary>Some clients cancel requests after a few milliseconds or abort their request bodies.</summary>
    ClientAborts = 32,

    /// <summary>Fleet only: redis-server is killed (SIGKILL) and restarted empty on the same port a few seconds later.</summary>
    RedisKill = 128,

    /// <summary>Fleet only: Redis answers slower than the proxy's 250 ms budget for a few seconds (DEBUG SLEEP 0.5 in a loop).</summary>
    RedisSlow = 256,

    /// <summary>Fleet only: one replica is killed (SIGKILL) while the IdP holds one of its token requests, then restarted on its port.</summary>
    ReplicaKill = 512,

    /// <summary>The faults that need two replicas on one Redis; dropped with <c>--replicas 1</c>.</summary>
    Fleet = RedisKill | RedisSlow | ReplicaKill,

    All = Lifetimes | IdpErrors | Revocations | SklmIdle | ConfigEdits | ClientAborts | Fleet | RevokeAfterRedis,

    /// <summary>
    /// Opt-in (not part of <see cref="All"/>): every revocation is followed by a second one 400 ms later, so the token the
    /// proxy fetched after the first 401 is revoked too — as when a credential is rotated twice in quick succession.
    /// </summary>
    RevokeBurst = 64,

    /// <summary>
    /// Keep the revocations that fall within a Redis fault or the 10 s after it (on by default since finding 4 was fixed;
    /// <c>all,-revoke-after-redis</c> skips them): replicas that diverged while Redis was out must not retry a revoked
    /// request with an older shared token.
    /// </summary>
    RevokeAfterRedis = 1024,
}

internal static class FaultsParser
{
    private static readonly (string Name, Faults Fault)[] Names =
    [
        ("lifetimes", Faults.Lifetimes), ("idp", Faults.IdpErrors), ("revoke", Faults.Revocations),
        ("sklm-idle", Faults.SklmIdle), ("config", Faults.ConfigEdits), ("client-aborts", Faults.ClientAborts),
        ("redis-kill", Faults.RedisKill), ("redis-slow", Faults.RedisSlow), ("replica-kill", Faults.ReplicaKill),
        ("revoke-burst", Faults.RevokeBurst), ("revoke-after-redis", Faults.RevokeAfterRedis),
    ];

    /// <summary><c>all</c>, <c>none</c>, or a comma list of names; <c>-name</c> removes one (<c>all,-idp</c>).</summary>
    public static Faults Parse(string text)
    {
        var result = Faults.None;
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var remove = raw.StartsWith('-');
            var name = remove ? raw[1..] : raw;
            var fault = name.ToLowerInvariant() switch
            {
                "all" => Faults.All,
                "none" => Faults.None,
                var n => Names.FirstOrDefault(p => p.Name == n) is { Name: not null } hit
                    ? hit.Fault
                    : throw new ArgumentException($"--faults: unknown fault '{name}' (known: all, none, {string.Join(", ", Names.Select(p => p.Name))})"),
            };
            result = remove ? result & ~fault : result | fault;
        }

        return result;
    }

    public static string Describe(Faults faults) =>
        faults == Faults.None ? "none" : faults == Faults.All ? "all" : faults == (Faults.All & ~Faults.Fleet) ? "all but the fleet faults" : string.Join(",", Names.Where(p => faults.HasFlag(p.Fault)).Select(p => p.Name));
}
