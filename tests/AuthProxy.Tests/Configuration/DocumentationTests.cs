using AuthProxy.Tokens;

namespace AuthProxy.Tests.Configuration;

/// <summary>Every registered credential type is documented where users look: a README section and the docs reference.</summary>
public sealed class DocumentationTests
{
    public static TheoryData<string> Types => [.. TokenProviderTypes.Names];

    [Theory]
    [MemberData(nameof(Types))]
    public void EveryType_HasAReadmeSectionAndADocsEntry(string type)
    {
        var readme = File.ReadAllText(ShippedConfigs.FullPath("README.md"));
        var docs = File.ReadAllText(ShippedConfigs.FullPath("docs/configuration.md"));

        Assert.Matches($"(?m)^###+ .*`{type}`", readme);
        Assert.Contains($"`{type}`", docs);
    }
}
