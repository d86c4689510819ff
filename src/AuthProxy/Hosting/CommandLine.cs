using System.Reflection;
using AuthProxy.Admin;
using AuthProxy.Configuration;
using AuthProxy.InboundAuth;
using AuthProxy.Proxy;
using AuthProxy.RateLimiting;
using AuthProxy.Tokens;
using AuthProxy.Tokens.Fleet;

namespace AuthProxy.Hosting;

/// <summary>What the command line asks for.</summary>
internal enum CommandVerb
{
    /// <summary>Run the proxy.</summary>
    Run,

    /// <summary>Check a configuration and exit (<c>validate</c>).</summary>
    Validate,

    /// <summary>Print the usage (<c>--help</c>, <c>-h</c>).</summary>
    Help,

    /// <summary>Print the version (<c>--version</c>).</summary>
    Version,
}

/// <summary>
/// The proxy's command line: a verb, <c>--config PATH</c>, and configuration overrides in .NET's form
/// (<c>--urls URL</c>, <c>--Section:Key VALUE</c> or <c>--Section:Key=VALUE</c>). Anything else — a bare path, a
/// misspelt option, a single-dash option — is a usage error, so <c>validate -c FILE</c> cannot quietly check another file.
/// </summary>
internal sealed class CommandLine
{
    /// <summary>Top-level keys accepted besides the configuration sections.</summary>
    private static readonly string[] SimpleKeys = ["urls", "environment", "http_ports", "https_ports"];

    private CommandLine(CommandVerb verb, string? configPath, IReadOnlyList<string> configArgs, string? error)
    {
        Verb = verb;
        ConfigPath = configPath;
        ConfigArgs = configArgs;
        Error = error;
    }

    /// <summary>The configuration sections an override may name (each feature's own section, and the framework's).</summary>
    public static IReadOnlyList<string> Sections { get; } =
        [
            TokenProvidersConfig.Section, TokenCacheConfig.Section, InboundAuthDefaults.Section, RateLimitingConfig.Section, ReverseProxyConfigCheck.Section,
            AdminConfig.Section, ShutdownConfig.Section, "Kestrel", "Logging",
        ];

    public static string Usage => $"""
        Usage:
          AuthProxy [--config PATH] [--urls URL[;URL...]] [--Section:Key VALUE ...]
          AuthProxy validate [--config PATH] [--urls URL[;URL...]] [--Section:Key VALUE ...]
          AuthProxy --help | --version

        Runs the authenticating reverse proxy, or with 'validate' checks a configuration without starting anything
        (prints OK and exits 0, or prints one line per problem and exits 1).

        Options:
          --config PATH      the configuration file (default {ConfigFile.DefaultPath}, or ${ConfigFile.PathVariable})
          --urls URLS        listeners, separated by ';' (default {AuthProxyApp.DefaultUrl}, loopback only)
          --Section:Key V    overrides one setting, e.g. --InboundAuth:AllowAnonymous true
                             (sections: {string.Join(", ", Sections)}; also {string.Join(", ", SimpleKeys.Skip(1))}, OTEL_*)
          -h, --help         prints this text
          --version          prints the version

        Environment variables override the file as in any .NET app (TokenProviders__kp__ApiKey=...); the command
        line overrides both. Exit codes: 0 success, 1 invalid configuration or a listener that cannot be bound,
        2 usage error.
        """;

    /// <summary>The product version, as built.</summary>
    public static string Version =>
        typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CommandLine).Assembly.GetName().Version?.ToString() ?? "unknown";

    public CommandVerb Verb { get; }

    /// <summary>The <c>--config</c> value, if given.</summary>
    public string? ConfigPath { get; }

    /// <summary>The configuration overrides, normalised to <c>--Key=Value</c> for .NET's command-line configuration provider.</summary>
    public IReadOnlyList<string> ConfigArgs { get; }

    /// <summary>Why the command line is wrong, or null.</summary>
    public string? Error { get; }

    /// <summary>Parses the arguments; <c>--help</c> and <c>--version</c> win wherever they appear.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var verb = CommandVerb.Run;
        var start = 0;
        if (args.Count > 0 && args[0] == "validate")
        {
            verb = CommandVerb.Validate;
            start = 1;
        }

        if (args.Any(a => a is "--help" or "-h" or "-?" or "/?"))
        {
            return new CommandLine(CommandVerb.Help, null, [], null);
        }

        if (args.Contains("--version"))
        {
            return new CommandLine(CommandVerb.Version, null, [], null);
        }

        string? configPath = null;
        var configArgs = new List<string>();
        for (var i = start; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                return Fail(arg.StartsWith('-') ? $"unknown option '{arg}'{Suggest(arg.TrimStart('-', '/'))}" : Unexpected(arg, verb));
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[2..equals] : arg[2..];
            string? value = equals > 0 ? arg[(equals + 1)..] : null;
            if (!IsKnown(name))
            {
                return Fail($"unknown option '--{name}'{Suggest(name)}");
            }

            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return Fail($"option '--{name}' needs a value");
                }

                value = args[++i];
            }

            if (name.Equals("config", StringComparison.OrdinalIgnoreCase))
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    return Fail("option '--config' needs a file path");
                }

                configPath = value;
            }
            else
            {
                configArgs.Add($"--{name}={value}");
            }
        }

        return new CommandLine(verb, configPath, configArgs, null);
    }

    private static CommandLine Fail(string error) => new(CommandVerb.Run, null, [], error);

    private static string Unexpected(string arg, CommandVerb verb) => verb == CommandVerb.Validate
        ? $"unexpected argument '{arg}'; name the file to check with --config PATH"
        : $"unexpected argument '{arg}'; name the configuration file with --config PATH";

    private static bool IsKnown(string name)
    {
        if (name.Equals("config", StringComparison.OrdinalIgnoreCase) ||
            SimpleKeys.Contains(name, StringComparer.OrdinalIgnoreCase) ||
            name.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var colon = name.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < name.Length - 1 && Sections.Contains(name[..colon], StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>" (did you mean --config?)" for a near miss of a known option or section.</summary>
    private static string Suggest(string name)
    {
        var head = name.Split(':', '=')[0];
        var candidates = SimpleKeys.Prepend("config").Concat(Sections).Append("help").Append("version");
        var best = candidates
            .Select(c => (Candidate: c, Distance: Distance(head.ToUpperInvariant(), c.ToUpperInvariant())))
            .Where(c => c.Distance <= Math.Max(1, c.Candidate.Length / 3))
            .OrderBy(c => c.Distance)
            .Select(c => c.Candidate)
            .FirstOrDefault();
        return best is null ? "" : Sections.Contains(best) ? $" (did you mean --{best}:…?)" : $" (did you mean --{best}?)";
    }

    private static int Distance(string a, string b)
    {
        // Optimal string alignment distance: a transposition ("conifg") counts as one edit.
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
