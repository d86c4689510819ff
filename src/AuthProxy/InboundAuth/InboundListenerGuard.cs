using System.Net;
using AuthProxy.Configuration;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Secure by default (README "Securing the proxy"): with no inbound clients the proxy lends its IBM credentials to anyone who
/// can reach it, so it may then listen on loopback only, unless <c>InboundAuth:AllowAnonymous</c> is true.
/// Listeners are read from configuration, before anything is bound.
/// </summary>
internal static class InboundListenerGuard
{
    /// <summary>
    /// The configured listeners that are not loopback: <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>), else
    /// <c>http_ports</c>/<c>https_ports</c> (which bind every interface), and every <c>Kestrel:Endpoints:*:Url</c>.
    /// </summary>
    public static IReadOnlyList<string> NonLoopbackListeners(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var found = new List<string>();
        var urls = configuration["urls"];
        if (!string.IsNullOrWhiteSpace(urls))
        {
            found.AddRange(Split(urls).Where(url => !IsLoopback(url)));
        }
        else
        {
            // As in ASP.NET Core, ports apply only when no URLs are set, and bind every interface.
            found.AddRange(Split(configuration["http_ports"]).Select(port => $"http://*:{port}"));
            found.AddRange(Split(configuration["https_ports"]).Select(port => $"https://*:{port}"));
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { } url && !string.IsNullOrWhiteSpace(url) && !IsLoopback(url.Trim()))
            {
                found.Add(url.Trim());
            }
        }

        return found;
    }

    /// <summary>
    /// True when a listener URL can only be reached from this host: <c>localhost</c>, a loopback address, or a
    /// Unix socket / named pipe. <c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c> and other host names bind every interface.
    /// </summary>
    public static bool IsLoopback(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false;
        }

        if (address.IsUnixPipe || address.IsNamedPipe)
        {
            return true;
        }

        var host = address.Host;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }

        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>The problem reported when an open proxy would be reachable beyond loopback.</summary>
    public static ConfigProblem Refusal(IEnumerable<string> listeners) => new(
        $"{InboundAuthDefaults.Section}:{InboundAuthConfigReader.ClientsKey}",
        $"no inbound clients are configured, yet the proxy would listen on {string.Join(", ", listeners.Select(l => $"'{l}'"))}, which is not loopback: " +
        "anyone who can reach it could use its IBM credentials. Fix one of: add clients under InboundAuth:Clients (and name them in routes' " +
        "AuthorizationPolicy); listen on loopback only (e.g. --urls http://127.0.0.1:8080); or, if something in front already " +
        "authenticates callers, set InboundAuth:AllowAnonymous to true");

    private static string[] Split(string? list) =>
        (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
