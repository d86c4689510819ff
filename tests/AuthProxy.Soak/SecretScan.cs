using System.Globalization;
using System.Text.RegularExpressions;
using AuthProxy.Sandbox.Tokens;

namespace AuthProxy.Soak;

/// <summary>
/// Looks for secrets in everything the proxy wrote: its stdout/stderr (run at Debug), the status documents and the
/// problem bodies it answered with (docs/tokens.md). Secrets are the configured keys and passwords, the Zen header, and
/// every token and SKLM session id the emulators issued — matched whole and by their unique parts (JWT payload and
/// signature), so a truncated token in a log line is caught too.
/// </summary>
internal static partial class SecretScan
{
    public sealed record Finding(string Where, string Kind);

    public sealed record Outcome(long LogBytes, int TokensKnown, int DocumentsScanned, IReadOnlyList<Finding> Findings);

    public static Outcome Run(IReadOnlyList<string> logPaths, IReadOnlyList<string> fixedSecrets, IssuedTokenStore tokens, IReadOnlyList<string> documents)
    {
        var fragments = new Dictionary<string, string>(StringComparer.Ordinal);
        var issued = tokens.Snapshot();
        foreach (var token in issued)
        {
            var parts = token.Value.Split('.');
            if (parts.Length == 3)
            {
                fragments.TryAdd(parts[1], $"{token.Issuer} token (payload)");
                fragments.TryAdd(parts[2], $"{token.Issuer} token (signature)");
            }
            else
            {
                fragments.TryAdd(token.Value, $"{token.Issuer} session id");
            }
        }

        var findings = new List<Finding>();
        long bytes = 0;
        foreach (var logPath in logPaths.Where(File.Exists))
        {
            var lineNumber = 0;
            foreach (var line in File.ReadLines(logPath))
            {
                lineNumber++;
                bytes += line.Length + 1;
                Check(line, $"{Path.GetFileName(logPath)} line {lineNumber.ToString(CultureInfo.InvariantCulture)}", fixedSecrets, fragments, findings);
            }
        }

        for (var i = 0; i < documents.Count; i++)
        {
            Check(documents[i], $"proxy answer #{i + 1}", fixedSecrets, fragments, findings);
        }

        return new Outcome(bytes, issued.Count, documents.Count, findings);
    }

    private static void Check(string text, string where, IReadOnlyList<string> fixedSecrets, Dictionary<string, string> fragments, List<Finding> findings)
    {
        for (var i = 0; i < fixedSecrets.Count; i++)
        {
            if (text.Contains(fixedSecrets[i], StringComparison.Ordinal))
            {
                findings.Add(new Finding(where, $"configured secret #{i + 1}"));
            }
        }

        foreach (Match match in Candidate().Matches(text))
        {
            if (fragments.TryGetValue(match.Value, out var kind))
            {
                findings.Add(new Finding(where, kind));
            }
        }
    }

    /// <summary>Runs of base64url characters (JWT segments) and GUIDs (SKLM session ids).</summary>
    [GeneratedRegex("[A-Za-z0-9_-]{20,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.CultureInvariant)]
    private static partial Regex Candidate();
}
