using Microsoft.Playwright;

namespace AuthProxy.Tests.Infrastructure;

/// <summary>
/// Debian's chromium (<c>apt-get install chromium</c>), driven by Playwright through <c>ExecutablePath</c>: Playwright's
/// own browser download cannot work on these machines (no network), so it is never used. One browser per test class
/// (an xunit class fixture); every test opens its own context.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    /// <summary>Set (to anything) where a missing browser must fail the browser tests instead of skipping them (CI: .ci/run).</summary>
    public const string RequireVariable = "AUTHPROXY_REQUIRE_BROWSER";

    /// <summary>Overrides where the browser is looked for.</summary>
    public const string PathVariable = "AUTHPROXY_CHROMIUM";

    // What chromium needs here (machine notes): root needs --no-sandbox; without the background-networking flags it
    // keeps trying to reach Google's hosts, which this closed network refuses.
    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The browser executable, or null when none is installed.</summary>
    public static string? ExecutablePath { get; } = Find();

    /// <summary>Why the browser tests are skipped here, or null when they run.</summary>
    public static string? SkipReason =>
        ExecutablePath is not null || Environment.GetEnvironmentVariable(RequireVariable) is { Length: > 0 }
            ? null
            : $"chromium is not installed (looked for {PathVariable}, /usr/bin/chromium, /usr/bin/chromium-browser): apt-get install -y chromium chromium-driver";

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return; // every test of the class is skipped
        }

        var path = ExecutablePath ?? throw new InvalidOperationException(
            $"{RequireVariable} is set but no chromium is installed: apt-get install -y chromium chromium-driver (or set {PathVariable})");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args = Flags,
            Timeout = (float)TestTimeouts.Default.TotalMilliseconds,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    private static string? Find()
    {
        string?[] candidates = [Environment.GetEnvironmentVariable(PathVariable), "/usr/bin/chromium", "/usr/bin/chromium-browser"];
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && IsExecutableFile(c));
    }

    private static bool IsExecutableFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || OperatingSystem.IsWindows())
        {
            return info.Exists;
        }

        return (info.UnixFileMode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
