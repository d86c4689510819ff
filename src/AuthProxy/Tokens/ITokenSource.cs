namespace AuthProxy.Tokens;

/// <summary>
/// Obtains one credential from a token endpoint (or computes it, for static credentials).
/// Implementations return expected failures as <see cref="TokenResult"/> failures and never throw for them.
/// </summary>
public interface ITokenSource : IDisposable
{
    /// <summary>
    /// Fetches a fresh credential. <paramref name="cancellationToken"/> fires on the provider timeout or at shutdown;
    /// the caller turns the resulting cancellation into the right failure.
    /// </summary>
    Task<TokenResult> FetchAsync(CancellationToken cancellationToken);
}
