namespace AuthProxy.Tokens;

/// <summary>What the <c>AuthToken</c> transform needs to know about configured providers.</summary>
public interface ITokenProviderCatalog
{
    /// <summary>True when a provider of this name is configured.</summary>
    bool Contains(string name);

    /// <summary>The configured provider names, for error messages.</summary>
    IEnumerable<string> Names { get; }

    /// <summary>The stable slot of the named provider.</summary>
    TokenProviderSlot GetSlot(string name);
}
