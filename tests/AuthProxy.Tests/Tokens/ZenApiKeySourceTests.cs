using System.Text;
using AuthProxy.Tests.Infrastructure;
using AuthProxy.Tokens;
using static AuthProxy.Tests.Tokens.ProviderTestKit;

namespace AuthProxy.Tests.Tokens;

public sealed class ZenApiKeySourceTests
{
    [Fact]
    public async Task Fetch_InlineKey_HeaderIsBase64OfUsernameColonKey_NeverExpires()
    {
        using var files = new TempDirectory();
        using var source = Create(OptionsFor("ZenApiKey", "unused", files));

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("ZenApiKey " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + SecretValue)), result.Token.HeaderValue);
        Assert.Equal(DateTimeOffset.MaxValue, result.Token.ExpiresAt);
        Assert.Equal(DateTimeOffset.MaxValue, result.Token.RefreshAt);
        Assert.Equal(DateTimeOffset.MaxValue, result.Token.UsableUntil);
    }

    [Fact]
    public async Task Fetch_NonAsciiUsername_EncodesUtf8WithoutTrailingNewline()
    {
        var options = new TokenProviderOptions { Type = "ZenApiKey", Username = "jürgen", ApiKey = "k€y" };
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("ZenApiKey asO8cmdlbjpr4oKseQ==", result.Token.HeaderValue);
        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(result.Token.HeaderValue["ZenApiKey ".Length..]));
        Assert.Equal("jürgen:k€y", decoded);
    }

    [Fact]
    public async Task Fetch_KeyFromFile_LivesForLifetimeAndPicksUpRotatedKey()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var files = new TempDirectory();
        var options = new TokenProviderOptions { Type = "ZenApiKey", Username = "admin", ApiKeyFile = files.Write("zen-key", "key-one\n") };
        using var source = Create(options, time);

        var first = await source.FetchOnceAsync();
        files.Write("zen-key", "key-two\n");
        var second = await source.FetchOnceAsync();

        Assert.True(first.Succeeded, first.ToString());
        Assert.True(second.Succeeded, second.ToString());
        Assert.Equal("ZenApiKey " + Convert.ToBase64String("admin:key-one"u8), first.Token.HeaderValue);
        Assert.Equal("ZenApiKey " + Convert.ToBase64String("admin:key-two"u8), second.Token.HeaderValue);
        Assert.Equal(time.GetUtcNow().AddMinutes(20), first.Token.ExpiresAt);
        Assert.Equal(time.GetUtcNow().AddMinutes(16), first.Token.RefreshAt);
    }

    [Fact]
    public async Task Fetch_KeyFileMissing_FailsNamingTheOptionOnly()
    {
        using var files = new TempDirectory();
        var path = files.PathOf("missing-key");
        var options = new TokenProviderOptions { Type = "ZenApiKey", Username = "admin", ApiKeyFile = path };
        using var source = Create(options);

        var result = await source.FetchOnceAsync();

        Assert.False(result.Succeeded);
        Assert.Equal(502, result.Failure.StatusCode);
        Assert.Contains("the file named by ApiKeyFile does not exist", result.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(path, result.Failure.Reason, StringComparison.Ordinal);
    }
}
