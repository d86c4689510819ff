using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace AuthProxy.Tests.Infrastructure;

/// <summary>
/// The dashboard of a running proxy open in its own browser context, recording every console error, page error and
/// request the page makes, so tests can assert none went wrong and none left the proxy's origin.
/// </summary>
public sealed class DashboardPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _requests = new();

    private DashboardPage(IBrowserContext context, IPage page, string origin)
    {
        _context = context;
        Page = page;
        Origin = origin;
    }

    public IPage Page { get; }

    /// <summary>The proxy's origin, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Origin { get; }

    /// <summary>Console errors (CSP violations included), uncaught exceptions and failed requests.</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    /// <summary>Every URL the page requested.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>Opens <c>{proxyUrl}/_authproxy/</c> at the given window size and waits until the page has rendered the status once.</summary>
    public static async Task<DashboardPage> OpenAsync(Chromium chromium, string proxyUrl, int width = 1280, int height = 800,
        string timezone = "UTC", string locale = "en-GB")
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            TimezoneId = timezone,
            Locale = locale,
            ColorScheme = ColorScheme.Light,
        });
        context.SetDefaultTimeout((float)TestTimeouts.Default.TotalMilliseconds);
        var page = await context.NewPageAsync();
        var dashboard = new DashboardPage(context, page, new Uri(proxyUrl).GetLeftPart(UriPartial.Authority));
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                dashboard._errors.Enqueue($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => dashboard._errors.Enqueue($"page error: {error}");
        page.RequestFailed += (_, request) => dashboard._errors.Enqueue($"request failed: {request.Url} ({request.Failure})");
        page.Request += (_, request) => dashboard._requests.Enqueue(request.Url);
        var response = await page.GotoAsync(dashboard.Origin + "/_authproxy/");
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        await Assertions.Expect(page.Locator("#updated")).ToContainTextAsync("Live");
        return dashboard;
    }

    /// <summary>A locator of the provider's row in the providers table.</summary>
    public ILocator ProviderRow(string name) => Page.Locator($"#providers-table tbody tr[data-key='{name}']");

    /// <summary>The serialized DOM (attributes included) and the visible text, for secret scans.</summary>
    public async Task<string> DomAndTextAsync() =>
        await Page.ContentAsync() + "\n" + await Page.EvaluateAsync<string>("() => document.body.innerText");

    /// <summary>Saves a screenshot under the test output's <c>screenshots/</c> folder and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name, bool fullPage = true)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        return path;
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
