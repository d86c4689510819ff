namespace AuthProxy.Tests.Infrastructure;

/// <summary>A fact that needs <see cref="Chromium"/>; skipped, with the reason, only where no chromium is installed.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
