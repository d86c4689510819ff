namespace AuthProxy.Soak;

/// <summary>The fault schedule's constants, in one place so the README and the analysis agree.</summary>
internal static class SoakTimes
{
    /// <summary>IAM access token lifetime when short lifetimes are on.</summary>
    public static readonly TimeSpan IamLifetime = TimeSpan.FromSeconds(6);

    /// <summary>Cloud Pak platform JWT lifetime when short lifetimes are on.</summary>
    public static readonly TimeSpan CloudPakLifetime = TimeSpan.FromSeconds(8);

    /// <summary>The SKLM providers' <c>Lifetime</c> (SKLM states none) when short lifetimes are on.</summary>
    public static readonly TimeSpan SklmLifetime = TimeSpan.FromSeconds(8);

    /// <summary>SKLM session ids die after this long unused.</summary>
    public static readonly TimeSpan SklmIdleTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Revocations happen at 5 s, 15 s, 25 s… into the load.</summary>
    public static readonly TimeSpan RevocationPeriod = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan RevocationOffset = TimeSpan.FromSeconds(5);

    /// <summary>Config edits happen at 10 s, 20 s, 30 s… into the load.</summary>
    public static readonly TimeSpan ConfigEditPeriod = TimeSpan.FromSeconds(10);

    /// <summary>SKLM traffic pauses for <see cref="SklmQuietLength"/> from 12 s into every 20 s.</summary>
    public static readonly TimeSpan SklmQuietPeriod = TimeSpan.FromSeconds(20);

    public static readonly TimeSpan SklmQuietOffset = TimeSpan.FromSeconds(12);

    public static readonly TimeSpan SklmQuietLength = TimeSpan.FromSeconds(6.5);

    /// <summary>The contract's deadline for a config edit to take effect (docs/operations.md, "Live reload").</summary>
    public static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(5);

    /// <summary>A client request slower than this is a hang.</summary>
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Clock slack when comparing instants measured on different sides of a socket.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(250);

    /// <summary>Whether <paramref name="offset"/> into the load falls in an SKLM quiet period.</summary>
    public static bool InSklmQuiet(TimeSpan offset)
    {
        if (offset < SklmQuietOffset)
        {
            return false;
        }

        var into = TimeSpan.FromTicks((offset - SklmQuietOffset).Ticks % SklmQuietPeriod.Ticks);
        return into < SklmQuietLength;
    }
}
