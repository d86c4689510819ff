namespace AuthProxy.Tests.Deployment;

/// <summary>A theory that needs <c>kubectl</c> on the PATH; reported as skipped (not passed) where there is none.</summary>
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        if (Kubectl is null)
        {
            Skip = "kubectl is not on the PATH";
        }
    }

    /// <summary>The kubectl executable found on the PATH, or null.</summary>
    public static string? Kubectl { get; } = Find();

    private static string? Find()
    {
        var name = OperatingSystem.IsWindows() ? "kubectl.exe" : "kubectl";
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
    }
}
