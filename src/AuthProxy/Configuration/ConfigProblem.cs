namespace AuthProxy.Configuration;

/// <summary>One configuration problem: the config key path and what is wrong there.</summary>
/// <param name="Path">Config key path, e.g. <c>TokenProviders:kp:ApiKey</c>, or <see cref="FileLevel"/> for the file as a whole.</param>
/// <param name="Reason">What is wrong and, where possible, how to fix it. Never contains a secret value.</param>
public sealed record ConfigProblem(string Path, string Reason)
{
    /// <summary>The path of a problem with the file itself (missing, unreadable, too large).</summary>
    public const string FileLevel = "(file)";

    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Reason}";
}
