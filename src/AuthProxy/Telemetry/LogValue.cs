using System.Globalization;
using System.Text;

namespace AuthProxy.Telemetry;

/// <summary>
/// Makes client-supplied text (a request path, a header) safe to log: control characters are written as escapes
/// (<c>\r</c>, <c>\n</c>, <c>\u001b</c>), so a path such as <c>/x%0d%0ainfo: forged</c> cannot start a forged log
/// line, and very long values are cut.
/// </summary>
public static class LogValue
{
    /// <summary>Longest value logged; longer ones end with an ellipsis.</summary>
    public const int MaxChars = 512;

    public static string Escape(string? text) => Escape(text, MaxChars);

    /// <summary>Escapes control characters; cuts after <paramref name="maxChars"/> characters.</summary>
    public static string Escape(string? text, int maxChars)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        var clean = true;
        foreach (var c in text)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return text.Length > maxChars ? text[..maxChars] + "…" : text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (builder.Length >= maxChars)
            {
                builder.Append('…');
                break;
            }

            _ = c switch
            {
                '\r' => builder.Append("\\r"),
                '\n' => builder.Append("\\n"),
                '\t' => builder.Append("\\t"),
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }
}
