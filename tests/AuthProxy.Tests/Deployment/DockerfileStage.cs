using System.Text.Json;

namespace AuthProxy.Tests.Deployment;

/// <summary>One stage of a Dockerfile (<c>FROM … [AS name]</c> and the instructions that follow it).</summary>
internal sealed class DockerfileStage(string from, string? name)
{
    public string From { get; } = from;

    public string? Name { get; } = name;

    /// <summary>Instructions in order: keyword (upper case) and its arguments, continuation lines joined.</summary>
    public List<(string Keyword, string Arguments)> Instructions { get; } = [];

    public IEnumerable<string> All(string keyword) =>
        Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);

    /// <summary>The last <c>WORKDIR</c>.</summary>
    public string? Workdir => All("WORKDIR").LastOrDefault();

    /// <summary>The last <c>USER</c>.</summary>
    public string? User => All("USER").LastOrDefault();

    /// <summary>Every <c>ENV</c> setting, in the <c>KEY=VALUE …</c> form or the older <c>KEY VALUE</c> form.</summary>
    public IReadOnlyDictionary<string, string> Env
    {
        get
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var arguments in All("ENV"))
            {
                var words = Words(arguments);
                if (!words[0].Contains('=', StringComparison.Ordinal))
                {
                    env[words[0]] = arguments[words[0].Length..].Trim();
                    continue;
                }

                foreach (var word in words)
                {
                    var equals = word.IndexOf('=', StringComparison.Ordinal);
                    env[word[..equals]] = word[(equals + 1)..];
                }
            }

            return env;
        }
    }

    /// <summary>The last <c>ENTRYPOINT</c>, which must be in exec form (a JSON array).</summary>
    public IReadOnlyList<string> Entrypoint =>
        JsonSerializer.Deserialize<string[]>(All("ENTRYPOINT").Last()) ?? throw new InvalidDataException("ENTRYPOINT is not a JSON array");

    /// <summary>Splits on blanks, keeping double-quoted parts together (quotes removed).</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
