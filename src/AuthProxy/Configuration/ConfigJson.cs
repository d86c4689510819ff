using System.Text;
using System.Text.Json;

namespace AuthProxy.Configuration;

/// <summary>
/// Turns a JSON configuration document into flat configuration keys (<c>ReverseProxy:Routes:kms:ClusterId</c>) the
/// way .NET's JSON configuration provider does — comments and trailing commas allowed, array items keyed by index,
/// values as strings, a duplicate key refused — in one forward pass, so parsing time grows linearly with the file.
/// Unlike that provider it keeps empty objects and <c>null</c> as keys with a null value (so <c>"kp": {}</c> is
/// reported as a provider without a type rather than vanishing), and reports a syntax error once, with a 1-based line
/// and column and the key path reached so far.
/// </summary>
internal static class ConfigJson
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 64,
    };

    /// <summary>Flattens <paramref name="json"/>; on failure <paramref name="problem"/> names where and why.</summary>
    public static bool TryFlatten(ReadOnlySpan<byte> json, out Dictionary<string, string?> data, out ConfigProblem? problem)
    {
        data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        problem = null;
        if (json.StartsWith("\uFEFF"u8))
        {
            json = json[3..];
        }

        var reader = new Utf8JsonReader(json, ReaderOptions);
        var paths = new Stack<Frame>();
        string? pendingKey = null;
        string? reached = null; // the last key read: where a syntax error is reported
        try
        {
            if (!reader.Read())
            {
                problem = Problem("", json, 0, "the file is empty; it must hold a JSON object");
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problem = Problem("", json, reader.TokenStartIndex, "the top level must be a JSON object ({ … })");
                return false;
            }

            paths.Push(new Frame(null, IsArray: false));
            while (reader.Read())
            {
                var top = paths.Peek();
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingKey = reached = Join(top.Path, reader.GetString()!);
                        continue;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    {
                        var key = TakeKey(ref pendingKey, paths);
                        paths.Push(new Frame(key, reader.TokenType == JsonTokenType.StartArray));
                        continue;
                    }

                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    {
                        var done = paths.Pop();
                        if (done.Path is not null && done.Children == 0 && !Add(data, done.Path, null))
                        {
                            problem = Problem(done.Path, json, reader.TokenStartIndex, $"duplicate key '{done.Path}' (it appears more than once)");
                            return false;
                        }

                        if (paths.Count == 0)
                        {
                            // The document may only hold trailing comments and white space after its object.
                            if (reader.Read())
                            {
                                problem = Problem("", json, reader.TokenStartIndex, "unexpected content after the top-level object");
                                return false;
                            }

                            return true;
                        }

                        continue;
                    }

                    default:
                    {
                        var key = TakeKey(ref pendingKey, paths);
                        if (!Add(data, key, ValueText(ref reader)))
                        {
                            problem = Problem(key, json, reader.TokenStartIndex, $"duplicate key '{key}' (it appears more than once)");
                            return false;
                        }

                        continue;
                    }
                }
            }

            problem = Problem(CurrentPath(paths, pendingKey), json, json.Length, "the file ends before its JSON is complete");
            return false;
        }
        catch (InvalidOperationException ex) when (ex.InnerException is DecoderFallbackException)
        {
            // Utf8JsonReader checks UTF-8 only when a string is decoded.
            problem = new ConfigProblem(Where(reached ?? CurrentPath(paths, pendingKey)),
                $"the configuration file is not valid UTF-8 (line {Position(json, reader.TokenStartIndex).Line})");
            return false;
        }
        catch (JsonException ex)
        {
            problem = new ConfigProblem(Where(reached ?? CurrentPath(paths, pendingKey)),
                $"the configuration file is not valid JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {Reason(ex)}");
            return false;
        }
    }

    private static string TakeKey(ref string? pendingKey, Stack<Frame> paths)
    {
        var parent = paths.Pop();
        string key;
        if (parent.IsArray)
        {
            key = Join(parent.Path, parent.Children.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            key = pendingKey!;
            pendingKey = null;
        }

        paths.Push(parent with { Children = parent.Children + 1 });
        return key;
    }

    private static bool Add(Dictionary<string, string?> data, string key, string? value) => data.TryAdd(key, value);

    private static string? ValueText(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.True => "True",
        JsonTokenType.False => "False",
        JsonTokenType.Null => null,
        // Numbers keep their exact spelling, as the .NET provider keeps them.
        _ => Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
    };

    private static string Join(string? parent, string key) => parent is null ? key : parent + ConfigurationPath.KeyDelimiter + key;

    private static string CurrentPath(Stack<Frame> paths, string? pendingKey) =>
        pendingKey ?? (paths.Count > 0 ? paths.Peek().Path ?? "" : "");

    private static string Where(string path) => path.Length == 0 ? ConfigProblem.FileLevel : path;

    private static ConfigProblem Problem(string path, ReadOnlySpan<byte> json, long offset, string reason)
    {
        var (line, column) = Position(json, offset);
        return new ConfigProblem(Where(path), $"{reason} (line {line}, column {column})");
    }

    /// <summary>The 1-based line and column (in characters) of a byte offset.</summary>
    private static (int Line, int Column) Position(ReadOnlySpan<byte> json, long offset)
    {
        var upTo = json[..(int)Math.Min(offset, json.Length)];
        var lineStart = upTo.LastIndexOf((byte)'\n') + 1;
        return (upTo.Count((byte)'\n') + 1, Encoding.UTF8.GetCharCount(upTo[lineStart..]) + 1);
    }

    private static string Reason(JsonException ex)
    {
        // The reader's message ends with its own (0-based) position; it is reported once, 1-based, above.
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        }

        return (cut > 0 ? message[..cut] : message).Trim().TrimEnd('.', '|').Trim();
    }

    private readonly record struct Frame(string? Path, bool IsArray, int Children = 0);
}
