namespace AuthProxy.Configuration;

/// <summary>Thrown at start-up when the configuration is invalid; carries every problem found, not just the first.</summary>
public sealed class ConfigurationProblemsException : Exception
{
    public ConfigurationProblemsException(IReadOnlyList<ConfigProblem> problems)
        : base("The configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    public ConfigurationProblemsException()
        : this([])
    {
    }

    public ConfigurationProblemsException(string message)
        : base(message)
    {
        Problems = [new ConfigProblem("", message)];
    }

    public ConfigurationProblemsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [new ConfigProblem("", message)];
    }

    /// <summary>The problems, each with its config key path.</summary>
    public IReadOnlyList<ConfigProblem> Problems { get; } = [];
}
