namespace AuthProxy.Configuration;

/// <summary>
/// How configuration values may appear in problems, logs and the status page. A value that could be a secret is never
/// shown: not a secret option, not a file option (a key pasted where its file belongs is a common mistake), not a
/// value of the wrong type. A URL is shown without its user information, query and fragment, which may carry credentials.
/// </summary>
internal static class SafeDisplay
{
    /// <summary>A URL fit to show in quotes, or null when it does not parse as an absolute URL (then nothing of it is shown).</summary>
    public static string? Url(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || !Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc)
        {
            return null;
        }

        return $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}";
    }

    /// <summary>True when the URL carries user information (<c>user:password@</c>).</summary>
    public static bool HasUserInfo(string? value) =>
        Uri.TryCreate(value?.Trim(), UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0;

    /// <summary>"'&lt;url&gt;' is not …" when the URL can be shown, else "the value is not …".</summary>
    public static string Subject(string? url) => Url(url) is { } shown ? $"'{shown}'" : "the value";
}
