using BenchmarkDotNet.Running;

namespace AuthProxy.Benchmarks;

/// <summary>Entry point; a named class, since AuthProxy's own top-level <c>Program</c> is visible here.</summary>
internal static class BenchmarkEntryPoint
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkEntryPoint).Assembly).Run(args);
}
