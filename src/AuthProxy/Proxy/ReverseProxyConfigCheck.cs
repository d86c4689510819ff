using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using AuthProxy.Configuration;
using AuthProxy.Tokens;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Configuration;

namespace AuthProxy.Proxy;

/// <summary>
/// Runs YARP's own parsing and validation on a candidate <c>ReverseProxy</c> section, in a throw-away
/// container, so a bad route or cluster is reported with its path before it reaches the live proxy
/// (which would otherwise log it and keep the old routes without telling the rest of our configuration).
/// Route <c>AuthorizationPolicy</c> names are accepted here: the inbound authentication feature checks them against
/// its own section. Route <c>RateLimiterPolicy</c> names are checked by YARP itself against the candidate's policy names,
/// registered in the throw-away container as ASP.NET Core rate-limiter policies.
/// </summary>
internal static partial class ReverseProxyConfigCheck
{
    /// <summary>The configuration section: YARP's own schema.</summary>
    public const string Section = "ReverseProxy";

    /// <summary>
    /// Checks the <c>ReverseProxy</c> section under <paramref name="configuration"/>; routes may name <paramref name="providerNames"/>
    /// in <c>AuthToken</c> and <paramref name="rateLimiterPolicyNames"/> in <c>RateLimiterPolicy</c> (besides YARP's <c>Default</c>
    /// and <c>Disable</c>).
    /// </summary>
    public static void Validate(IConfiguration configuration, IEnumerable<string> providerNames, List<ConfigProblem> problems,
        IEnumerable<string>? rateLimiterPolicyNames = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var section = configuration.GetSection(Section);
        ValidateDestinations(section, problems);
        ValidateUnsupportedRouteSettings(section, problems);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAuthorization();
        services.Replace(ServiceDescriptor.Singleton<IAuthorizationPolicyProvider, AnyPolicyName>());
        services.AddCors();
        services.AddRequestTimeouts();
        var policyNames = (rateLimiterPolicyNames ?? []).Distinct(StringComparer.Ordinal).ToList();
        services.AddRateLimiter(options =>
        {
            foreach (var name in policyNames)
            {
                options.AddPolicy(name, static _ => RateLimitPartition.GetNoLimiter(""));
            }
        });
        services.AddSingleton<ITokenProviderCatalog>(new NameOnlyCatalog(providerNames));
        services.AddSingleton<AuthTokenRouteTable>();
        services.AddReverseProxy()
            .LoadFromConfig(section)
            .AddTransformFactory<AuthTokenTransformFactory>();

        using var provider = services.BuildServiceProvider();
        IProxyConfig config;
        try
        {
            config = provider.GetRequiredService<IProxyConfigProvider>().GetConfig();
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            problems.Add(new ConfigProblem(section.Path, Innermost(ex)));
            return;
        }

        var validator = provider.GetRequiredService<IConfigValidator>();
        foreach (var route in config.Routes)
        {
            foreach (var error in validator.ValidateRouteAsync(route).AsTask().GetAwaiter().GetResult())
            {
                problems.Add(UnknownRateLimiterPolicy(section.Path, route, error, policyNames) ?? ToProblem($"{section.Path}:Routes:{route.RouteId}", error));
            }
        }

        foreach (var cluster in config.Clusters)
        {
            foreach (var error in validator.ValidateClusterAsync(cluster).AsTask().GetAwaiter().GetResult())
            {
                problems.Add(ToProblem($"{section.Path}:Clusters:{cluster.ClusterId}", error));
            }
        }

        var clusterIds = config.Clusters.Select(c => c.ClusterId).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var route in config.Routes)
        {
            if (route.ClusterId is { Length: > 0 } clusterId && !clusterIds.Contains(clusterId))
            {
                problems.Add(new ConfigProblem($"{section.Path}:Routes:{route.RouteId}:ClusterId",
                    $"route '{route.RouteId}' names unknown cluster '{clusterId}'"));
            }
        }
    }

    /// <summary>Route settings of YARP's schema that need middleware or policies AuthProxy does not have: refused here, not a 500 per request.</summary>
    private static void ValidateUnsupportedRouteSettings(IConfigurationSection reverseProxy, List<ConfigProblem> problems)
    {
        foreach (var route in reverseProxy.GetSection("Routes").GetChildren())
        {
            var cors = route.GetSection("CorsPolicy");
            if (!string.IsNullOrEmpty(cors.Value))
            {
                problems.Add(new ConfigProblem(cors.Path,
                    "is not supported: AuthProxy defines no CORS policies and runs no CORS middleware; remove it (the upstream's own CORS headers pass through)"));
            }
        }
    }

    private static void ValidateDestinations(IConfigurationSection reverseProxy, List<ConfigProblem> problems)
    {
        foreach (var cluster in reverseProxy.GetSection("Clusters").GetChildren())
        {
            foreach (var destination in cluster.GetSection("Destinations").GetChildren())
            {
                var address = destination.GetSection("Address");
                if (!Uri.TryCreate(address.Value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    problems.Add(new ConfigProblem(address.Path, $"{SafeDisplay.Subject(address.Value)} is not an absolute http or https URL"));
                }
                else if (uri.UserInfo.Length > 0)
                {
                    problems.Add(new ConfigProblem(address.Path, "must not carry user information (user:password@)"));
                }
            }
        }
    }

    /// <summary>YARP's "RateLimiter policy 'x' not found for route 'r'", as a problem at the route's <c>RateLimiterPolicy</c> key listing the policies.</summary>
    private static ConfigProblem? UnknownRateLimiterPolicy(string sectionPath, RouteConfig route, Exception error, List<string> policyNames)
    {
        if (!RateLimiterPolicyNotFound().IsMatch(error.Message))
        {
            return null;
        }

        var known = policyNames.Count == 0 ? "none" : string.Join(", ", policyNames.Order(StringComparer.Ordinal));
        return new ConfigProblem($"{sectionPath}:Routes:{route.RouteId}:RateLimiterPolicy",
            $"route '{route.RouteId}' names rate-limit policy '{route.RateLimiterPolicy}', which is not a RateLimiting:Policies entry " +
            $"(configured: {known}; names are case-sensitive) nor YARP's 'Default' or 'Disable'");
    }

    [GeneratedRegex("^RateLimiter policy '.*' not found for route '.*'\\.?$", RegexOptions.Singleline)]
    private static partial Regex RateLimiterPolicyNotFound();

    private static ConfigProblem ToProblem(string path, Exception error)
    {
        // Our own transform errors already start with their full path.
        var message = error.Message;
        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        if (message.StartsWith("ReverseProxy:", StringComparison.Ordinal) && colon > 0)
        {
            return new ConfigProblem(message[..colon], message[(colon + 2)..].TrimEnd('.'));
        }

        return new ConfigProblem(path, message.TrimEnd('.'));
    }

    private static string Innermost(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message.TrimEnd('.'));
        }

        return string.Join(": ", messages);
    }

    /// <summary>Answers every policy name except YARP's reserved <c>Default</c>/<c>Anonymous</c>, so YARP accepts the names.</summary>
    private sealed class AnyPolicyName : IAuthorizationPolicyProvider
    {
        private static readonly Task<AuthorizationPolicy?> Placeholder =
            Task.FromResult<AuthorizationPolicy?>(new AuthorizationPolicyBuilder().RequireAssertion(static _ => true).Build());

        private static readonly Task<AuthorizationPolicy?> None = Task.FromResult<AuthorizationPolicy?>(null);

        public Task<AuthorizationPolicy?> GetPolicyAsync(string policyName) =>
            policyName.Equals("Default", StringComparison.OrdinalIgnoreCase) || policyName.Equals("Anonymous", StringComparison.OrdinalIgnoreCase)
                ? None
                : Placeholder;

        public Task<AuthorizationPolicy> GetDefaultPolicyAsync() => Placeholder!;

        public Task<AuthorizationPolicy?> GetFallbackPolicyAsync() => None;
    }

    /// <summary>Knows the candidate configuration's provider names; builds no caches.</summary>
    private sealed class NameOnlyCatalog(IEnumerable<string> names) : ITokenProviderCatalog
    {
        private readonly HashSet<string> _names = new(names, StringComparer.OrdinalIgnoreCase);

        public IEnumerable<string> Names => _names;

        public bool Contains(string name) => _names.Contains(name);

        public TokenProviderSlot GetSlot(string name) => new(name);
    }
}
