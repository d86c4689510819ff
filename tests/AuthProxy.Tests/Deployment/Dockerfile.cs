namespace AuthProxy.Tests.Deployment;

/// <summary>
/// The repository's Dockerfile, read into stages: enough for the tests to run its <c>dotnet publish</c>, <c>ENV</c> and
/// <c>ENTRYPOINT</c> on the host, so they break when the Dockerfile changes. Not a full Dockerfile parser: no ARG
/// substitution, no heredocs, no parser directives.
/// </summary>
internal sealed class Dockerfile
{
    private Dockerfile(List<DockerfileStage> stages) => Stages = stages;

    public IReadOnlyList<DockerfileStage> Stages { get; }

    /// <summary>The stage that becomes the image.</summary>
    public DockerfileStage Final => Stages[^1];

    public DockerfileStage Stage(string name) =>
        Stages.Single(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    public static Dockerfile Load(string path)
    {
        var stages = new List<DockerfileStage>();
        var pending = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var instruction = (pending + line).Trim();
            pending = "";
            var space = instruction.IndexOf(' ', StringComparison.Ordinal);
            var keyword = instruction[..space].ToUpperInvariant();
            var arguments = instruction[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var words = DockerfileStage.Words(arguments);
                var name = words.Count >= 3 && words[^2].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[^1] : null;
                stages.Add(new DockerfileStage(words.First(w => !w.StartsWith("--", StringComparison.Ordinal)), name));
            }
            else
            {
                (stages.LastOrDefault() ?? throw new InvalidDataException($"'{keyword}' before FROM")).Instructions.Add((keyword, arguments));
            }
        }

        return new Dockerfile(stages);
    }
}
