using System.Text.Json;

namespace AuthProxy.Configuration;

/// <summary>Finds and reads the configuration file into flat configuration keys.</summary>
internal static class ConfigFile
{
    /// <summary>The file used when neither <c>--config</c> nor <c>AUTHPROXY_CONFIG</c> names one.</summary>
    public const string DefaultPath = "config/authproxy.json";

    /// <summary>Largest configuration file accepted; guards against a runaway edit.</summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    /// <summary>Resolves the configuration path from <c>--config PATH</c>, <c>--config=PATH</c>, <c>AUTHPROXY_CONFIG</c>, or the default.</summary>
    public static string ResolvePath(IReadOnlyList<string> args)
    {
        // The last occurrence wins, as for other command-line settings.
        for (var i = args.Count - 1; i >= 0; i--)
        {
            if (args[i] is "--config" && i + 1 < args.Count)
            {
                return Path.GetFullPath(args[i + 1]);
            }

            if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                return Path.GetFullPath(args[i]["--config=".Length..]);
            }
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("AUTHPROXY_CONFIG");
        return Path.GetFullPath(string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultPath : fromEnvironment);
    }

    /// <summary>
    /// Reads the file as .NET's JSON configuration provider does (comments and trailing commas allowed,
    /// duplicate keys refused). Returns the flat key/value pairs, or the problem with line and position.
    /// </summary>
    public static bool TryRead(string path, out Dictionary<string, string?> data, out ConfigProblem? problem)
    {
        data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        problem = null;
        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                problem = new ConfigProblem("(file)", $"configuration file '{path}' does not exist");
                return false;
            }

            // Measure the opened stream, not FileInfo: for a symlink (every Kubernetes ConfigMap mount) FileInfo
            // reports the link's own size.
            using var stream = File.OpenRead(path);
            if (stream.Length > MaxBytes)
            {
                problem = new ConfigProblem("(file)", $"configuration file '{path}' is larger than {MaxBytes / (1024 * 1024)} MiB");
                return false;
            }

            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = new ConfigProblem("(file)", $"configuration file '{path}' cannot be read ({ex.Message})");
            return false;
        }

        try
        {
            var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(bytes)).Build();
            foreach (var (key, value) in configuration.AsEnumerable())
            {
                if (value is not null)
                {
                    data[key] = value;
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or JsonException)
        {
            problem = new ConfigProblem("(file)", $"configuration file '{path}' is not valid JSON: {Describe(ex)}");
            return false;
        }
    }

    private static string Describe(Exception ex)
    {
        // The JSON provider wraps the parser's exception, which has the line and position.
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                return json.LineNumber is { } line
                    ? $"line {line + 1}, position {json.BytePositionInLine + 1}: {FirstSentence(json.Message)}"
                    : FirstSentence(json.Message);
            }
        }

        return FirstSentence(ex.Message);
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }
}
