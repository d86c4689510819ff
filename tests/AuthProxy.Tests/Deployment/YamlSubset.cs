using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AuthProxy.Tests.Deployment;

/// <summary>
/// Reads the YAML that deploy/kubernetes is written in into JSON nodes: block mappings and sequences (also a sequence
/// at its key's indentation, as kubectl prints it), plain and quoted scalars, literal block scalars (<c>|</c>,
/// <c>|-</c>), flow sequences of scalars, <c>{}</c> and <c>[]</c>, comments and <c>---</c>. Every scalar stays a
/// string (<c>0440</c> is the text "0440"; <see cref="Leaves"/> normalises for comparisons). Not a YAML library:
/// anything outside this subset (anchors, tags, flow mappings, folded or multi-line plain scalars, tabs, duplicate
/// keys) throws <see cref="FormatException"/> naming the file and line, so a manifest the tests cannot read fails
/// them rather than being misread.
/// </summary>
internal sealed partial class YamlSubset
{
    private readonly string[] _lines;
    private readonly string _source;
    private readonly int _lineOffset;
    private int _next;

    private YamlSubset(string[] lines, string source, int lineOffset)
    {
        _lines = lines;
        _source = source;
        _lineOffset = lineOffset;
    }

    /// <summary>The documents of a YAML stream; documents holding only comments are left out.</summary>
    public static List<JsonNode> ParseDocuments(string text, string source)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var documents = new List<JsonNode>();
        var start = 0;
        for (var i = 0; i <= lines.Length; i++)
        {
            if (i < lines.Length && lines[i].TrimEnd() != "---")
            {
                continue;
            }

            var parser = new YamlSubset(lines[start..i], source, start);
            if (parser.ParseDocument() is { } document)
            {
                documents.Add(document);
            }

            start = i + 1;
        }

        return documents;
    }

    /// <summary>
    /// Flattens a node into <c>path = value</c> lines, for comparing two renderings whatever their key order: list items
    /// are named by their <c>name</c> (else <c>mountPath</c>, else their index), and octal numbers (<c>0440</c>) become decimal.
    /// </summary>
    public static SortedSet<string> Leaves(JsonNode? node)
    {
        var leaves = new SortedSet<string>(StringComparer.Ordinal);
        Flatten(node, "", leaves);
        return leaves;

        static void Flatten(JsonNode? node, string path, SortedSet<string> leaves)
        {
            switch (node)
            {
                case JsonObject map when map.Count > 0:
                    foreach (var (key, value) in map)
                    {
                        Flatten(value, $"{path}.{key}", leaves);
                    }

                    break;
                case JsonArray list when list.Count > 0:
                    for (var i = 0; i < list.Count; i++)
                    {
                        var id = list[i] is JsonObject item && (item["name"] ?? item["mountPath"]) is { } key ? $"[{key}]" : $"[{i}]";
                        Flatten(list[i], path + id, leaves);
                    }

                    break;
                case JsonObject:
                    leaves.Add($"{path} = {{}}");
                    break;
                case JsonArray:
                    leaves.Add($"{path} = []");
                    break;
                default:
                    var text = node?.GetValue<string>() ?? "null";
                    leaves.Add($"{path} = {(OctalNumber().IsMatch(text) ? Convert.ToInt64(text, 8).ToString(System.Globalization.CultureInfo.InvariantCulture) : text)}");
                    break;
            }
        }
    }

    private JsonNode? ParseDocument()
    {
        SkipBlank();
        if (_next >= _lines.Length)
        {
            return null;
        }

        var document = ParseBlock(Indent(_next));
        SkipBlank();
        if (_next < _lines.Length)
        {
            throw Error(_next, "unexpected content after the document (indentation?)");
        }

        return document ?? throw Error(0, "empty document");
    }

    private JsonNode? ParseBlock(int indent) =>
        IsSequenceItem(Content(_next)) ? ParseSequence(indent) : ParseMapping(indent);

    private JsonObject ParseMapping(int indent)
    {
        var map = new JsonObject();
        while (NextIndent() is var at && at >= indent)
        {
            if (at > indent)
            {
                throw Error(_next, "unexpected indentation");
            }

            var content = Content(_next);
            var match = KeyValue().Match(content);
            if (IsSequenceItem(content) || !match.Success)
            {
                throw Error(_next, "expected 'key: value'");
            }

            var key = Unquote(match.Groups["key"].Value.TrimEnd(), _next);
            if (map.ContainsKey(key))
            {
                throw Error(_next, $"duplicate key '{key}'");
            }

            var line = _next++;
            map[key] = ParseValue(match.Groups["rest"].Value.Trim(), indent, line);
        }

        return map;
    }

    private JsonArray ParseSequence(int indent)
    {
        var list = new JsonArray();
        while (NextIndent() is var at && at >= indent)
        {
            if (at > indent)
            {
                throw Error(_next, "unexpected indentation");
            }

            var content = Content(_next);
            if (!IsSequenceItem(content))
            {
                break; // the parent mapping's next key, at the sequence's own indentation
            }

            var after = content[1..];
            var item = after.TrimStart();
            var itemIndent = indent + 1 + (after.Length - item.Length);
            if (item.Length == 0)
            {
                var line = _next++;
                list.Add(ParseValue("", indent, line));
            }
            else if (IsSequenceItem(item))
            {
                throw Error(_next, "nested '- - ' sequences are not supported");
            }
            else if (KeyValue().IsMatch(item))
            {
                // "- key: value" opens a mapping whose keys line up with "key": read it as if the dash were a blank.
                _lines[_next] = new string(' ', itemIndent) + _lines[_next].TrimStart()[1..].TrimStart();
                list.Add(ParseMapping(itemIndent));
            }
            else
            {
                var line = _next++;
                list.Add(ParseScalar(item, line));
            }
        }

        return list;
    }

    /// <summary>The value after <c>key:</c> (or a bare <c>-</c>): inline, a literal block, or the block below.</summary>
    private JsonNode? ParseValue(string rest, int indent, int line)
    {
        if (rest is "|" or "|-")
        {
            return ParseLiteral(indent, keepNewline: rest == "|");
        }

        if (rest.Length > 0)
        {
            return ParseScalar(rest, line);
        }

        var below = NextIndent();
        if (below > indent)
        {
            return ParseBlock(below);
        }

        return below == indent && IsSequenceItem(Content(_next)) ? ParseSequence(indent) : null;
    }

    private JsonValue ParseLiteral(int parentIndent, bool keepNewline)
    {
        var block = new List<string>();
        while (_next < _lines.Length && (_lines[_next].Trim().Length == 0 || Indent(_next) > parentIndent))
        {
            block.Add(_lines[_next++]);
        }

        var first = block.FindIndex(l => l.Trim().Length > 0);
        if (first < 0)
        {
            return JsonValue.Create("");
        }

        var contentIndent = block[first].Length - block[first].TrimStart(' ').Length;
        var text = new StringBuilder();
        foreach (var raw in block)
        {
            var indentation = raw.Length - raw.TrimStart(' ').Length;
            if (raw.Trim().Length > 0 && indentation < contentIndent)
            {
                throw Error(_next - block.Count + block.IndexOf(raw), "literal block line indented less than its first line");
            }

            text.Append(raw.Trim().Length == 0 ? "" : raw[contentIndent..]).Append('\n');
        }

        var value = text.ToString().TrimEnd('\n');
        return JsonValue.Create(keepNewline ? value + "\n" : value);
    }

    private JsonNode ParseScalar(string text, int line)
    {
        if (text is "{}")
        {
            return new JsonObject();
        }

        if (text.StartsWith('[') && text.EndsWith(']'))
        {
            var list = new JsonArray();
            foreach (var item in SplitFlow(text[1..^1], line))
            {
                list.Add(ParseScalar(item, line));
            }

            return list;
        }

        if (text[0] is '{' or '[' or '&' or '*' or '!' or '|' or '>' or '%' or '@' or '`' or ']' or '}')
        {
            throw Error(line, $"unsupported YAML: '{text}'");
        }

        return JsonValue.Create(Unquote(text, line));
    }

    private List<string> SplitFlow(string inner, int line)
    {
        var items = new List<string>();
        var current = new StringBuilder();
        char? quote = null;
        foreach (var c in inner)
        {
            if (quote is null && c == ',')
            {
                items.Add(current.ToString().Trim());
                current.Clear();
                continue;
            }

            if (c is '"' or '\'')
            {
                quote = quote is null ? c : quote == c ? null : quote;
            }

            current.Append(c);
        }

        items.Add(current.ToString().Trim());
        if (items is [""])
        {
            return [];
        }

        return items.Any(i => i.Length == 0) ? throw Error(line, "empty item in a flow sequence") : items;
    }

    private string Unquote(string text, int line)
    {
        if (text.StartsWith('"'))
        {
            if (text.Length < 2 || !text.EndsWith('"'))
            {
                throw Error(line, $"unterminated string {text}");
            }

            return Regex.Unescape(text[1..^1]);
        }

        if (text.StartsWith('\''))
        {
            if (text.Length < 2 || !text.EndsWith('\''))
            {
                throw Error(line, $"unterminated string {text}");
            }

            return text[1..^1].Replace("''", "'", StringComparison.Ordinal);
        }

        return text;
    }

    private static bool IsSequenceItem(string content) => content == "-" || content.StartsWith("- ", StringComparison.Ordinal);

    /// <summary>Skips blank and comment lines; the indentation of the next content line, or -1 at the end.</summary>
    private int NextIndent()
    {
        SkipBlank();
        return _next < _lines.Length ? Indent(_next) : -1;
    }

    private void SkipBlank()
    {
        while (_next < _lines.Length && Content(_next).Length == 0)
        {
            _next++;
        }
    }

    private int Indent(int line)
    {
        var text = _lines[line];
        var spaces = text.Length - text.TrimStart(' ').Length;
        return spaces < text.Length && text[spaces] == '\t' ? throw Error(line, "tab in indentation") : spaces;
    }

    /// <summary>The line without its indentation and without a comment (a <c>#</c> outside quotes, after a blank).</summary>
    private string Content(int line)
    {
        var text = _lines[line];
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is null && c is '"' or '\'' && (i == 0 || text[i - 1] is ' ' or '[' or ',' or ':'))
            {
                quote = c; // a quote opens a scalar only where one can start: an apostrophe in a plain word does not
            }
            else if (quote == c)
            {
                quote = null;
            }
            else if (c == '#' && quote is null && (i == 0 || char.IsWhiteSpace(text[i - 1])))
            {
                return text[..i].Trim();
            }
        }

        return text.Trim();
    }

    private FormatException Error(int line, string message) =>
        new($"{_source}:{_lineOffset + line + 1}: {message} (the tests read a YAML subset; see {nameof(YamlSubset)})");

    [GeneratedRegex(@"^(?<key>""(?:[^""\\]|\\.)*""|'(?:[^']|'')*'|[^\s:'""#\[\]{},-][^:]*?|-[^\s:][^:]*?)\s*:(?:\s+(?<rest>.*))?$")]
    private static partial Regex KeyValue();

    [GeneratedRegex("^0[0-7]+$")]
    private static partial Regex OctalNumber();
}
