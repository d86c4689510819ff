using System.Net;
using System.Text;

namespace AuthProxy.Tokens;

/// <summary>
/// Cleans text that came from a remote endpoint (a reason phrase, an error message, a media type) before it goes into
/// an error answer, a log or the status page: every secret of the request — whatever its length, as is, URL-encoded and
/// inside base64 — becomes <c>***</c>, control characters become spaces (no forged log lines), and only then is the
/// text shortened, so a secret that straddles the cut cannot survive in part.
/// </summary>
internal static class SecretScrubber
{
    /// <summary>Longest remote text kept.</summary>
    public const int MaxChars = 200;

    private const string Mask = "***";

    public static string Scrub(string? text, IReadOnlyList<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var builder = new StringBuilder(text);
        foreach (var form in Forms(secrets).OrderByDescending(f => f.Length))
        {
            builder.Replace(form, Mask);
        }

        for (var i = 0; i < builder.Length; i++)
        {
            if (char.IsControl(builder[i]))
            {
                builder[i] = ' ';
            }
        }

        var clean = builder.ToString().Trim();
        return clean.Length > MaxChars ? clean[..MaxChars] + "…" : clean;
    }

    /// <summary>Every spelling of the secrets that a careless endpoint might echo.</summary>
    private static HashSet<string> Forms(IReadOnlyList<string> secrets)
    {
        var forms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var secret in secrets)
        {
            if (string.IsNullOrEmpty(secret))
            {
                continue;
            }

            forms.Add(secret);
            forms.Add(Uri.EscapeDataString(secret));
            forms.Add(WebUtility.UrlEncode(secret));
            AddBase64(forms, Encoding.UTF8.GetBytes(secret));
        }

        forms.Remove("");
        return forms;
    }

    /// <summary>
    /// The secret's base64 spellings at each of the three byte alignments it can have inside a longer encoded value
    /// (e.g. <c>Basic base64(client:secret)</c>): the characters of the 3-byte groups lying wholly inside the secret,
    /// which do not depend on the bytes around it. Standard and URL-safe alphabets.
    /// </summary>
    private static void AddBase64(HashSet<string> forms, byte[] bytes)
    {
        forms.Add(Convert.ToBase64String(bytes).TrimEnd('='));
        for (var skip = 0; skip < 3; skip++)
        {
            var usable = (bytes.Length - skip) / 3 * 3;
            if (usable < 3)
            {
                continue;
            }

            var encoded = Convert.ToBase64String(bytes, skip, usable);
            forms.Add(encoded);
            forms.Add(encoded.Replace('+', '-').Replace('/', '_'));
        }
    }
}
