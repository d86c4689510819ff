using AuthProxy.Sandbox.Hosting;

namespace AuthProxy.Tests.Sandbox;

/// <summary>Locates the repository's <c>config/</c> folder from the test output directory.</summary>
internal static class ConfigFiles
{
    public static string Directory { get; } = System.IO.Path.GetDirectoryName(
        SandboxConfigLocator.Find(AppContext.BaseDirectory) ?? throw new InvalidOperationException("config/authproxy.json not found above the test output"))!;

    public static string Path(string relative) => System.IO.Path.Combine(Directory, relative);
}
