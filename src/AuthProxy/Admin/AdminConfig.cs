using System.Globalization;
using System.Net;
using AuthProxy.Configuration;
using Microsoft.AspNetCore.Http;

namespace AuthProxy.Admin;

/// <summary>Reads and checks the <c>Admin</c> section.</summary>
internal static class AdminConfig
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Admin";

    private const string UrlsKey = "Urls";

    public static AdminOptions Read(IConfiguration configuration, List<ConfigProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var section = configuration.GetSection(Section);
        foreach (var child in section.GetChildren())
        {
            if (!child.Key.Equals(UrlsKey, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new ConfigProblem(child.Path, $"unknown option '{child.Key}' (allowed: {UrlsKey})"));
            }
        }

        var urls = section.GetSection(UrlsKey);
        var listeners = new List<AdminListener>();
        foreach (var url in (urls.Value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Parse(url) is { } listener)
            {
                listeners.Add(listener);
            }
            else
            {
                problems.Add(new ConfigProblem(urls.Path,
                    $"{SafeDisplay.Subject(url)} is not a loopback http URL with a fixed port, e.g. http://127.0.0.1:9901: the admin endpoints are for this host only"));
            }
        }

        return listeners.Count == 0 ? AdminOptions.Default : new AdminOptions(listeners);
    }

    private static AdminListener? Parse(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return null;
        }

        if (address.IsUnixPipe || address.IsNamedPipe || address.Scheme != "http" || address.Port <= 0 || address.PathBase.Length > 0)
        {
            return null;
        }

        var host = address.Host;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new AdminListener(url, null, address.Port);
        }

        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip)
            ? new AdminListener(string.Create(CultureInfo.InvariantCulture, $"http://{address.Host}:{address.Port}"), ip, address.Port)
            : null;
    }
}
