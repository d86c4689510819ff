namespace AuthProxy.Tests.Deployment;

/// <summary>
/// Runs <see cref="PublishedAppTests"/> on its own, after the parallel tests: its <c>dotnet publish</c> takes both
/// cores for a while and would slow the timing-sensitive tests running beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PublishedAppCollection
{
    public const string Name = "Published app (runs alone)";
}
