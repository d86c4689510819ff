namespace AuthProxy.Tokens.CloudPak;

/// <summary>Builds Cloud Pak for Data endpoint URLs from the configured platform route.</summary>
internal static class CloudPakUrl
{
    private const string ApiSegment = "/icp4d-api";

    /// <summary>
    /// The platform route without trailing slashes and without a trailing <c>/icp4d-api</c> segment,
    /// which IBM's SDKs expect in their URL: both spellings of <c>Url</c> then lead to the same endpoints.
    /// A path prefix (a platform behind a path-based route) is kept.
    /// </summary>
    public static string PlatformRoot(string url)
    {
        var root = url.TrimEnd('/');
        return root.EndsWith(ApiSegment, StringComparison.OrdinalIgnoreCase) ? root[..^ApiSegment.Length] : root;
    }

    /// <summary>An endpoint below the platform route, e.g. <c>/v1/preauth/signin</c>.</summary>
    public static Uri Endpoint(string url, string path) => new(PlatformRoot(url) + path, UriKind.Absolute);
}
