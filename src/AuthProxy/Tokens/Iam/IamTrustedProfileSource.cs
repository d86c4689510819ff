namespace AuthProxy.Tokens.Iam;

/// <summary>
/// <c>IamTrustedProfile</c>: exchanges a compute-resource token (a projected Kubernetes service account
/// token) for an IAM access token of a trusted profile
/// (<c>grant_type=urn:ibm:params:oauth:grant-type:cr-token</c>), sent upstream as <c>Bearer</c>.
/// The CR token file is read at each fetch: Kubernetes rotates it.
/// </summary>
internal sealed class IamTrustedProfileSource : ITokenSource
{
    /// <summary>Where IBM Cloud Kubernetes projects the compute-resource token, in the order IBM's SDKs try them.</summary>
    internal static readonly IReadOnlyList<string> DefaultCrTokenFiles =
    [
        "/var/run/secrets/tokens/vault-token",
        "/var/run/secrets/tokens/sa-token",
    ];

    private const string GrantType = "urn:ibm:params:oauth:grant-type:cr-token";

    private readonly TokenProviderOptions _options;
    private readonly IamTokenEndpoint _endpoint;
    private readonly IReadOnlyList<string> _defaultCrTokenFiles;

    public IamTrustedProfileSource(TokenProviderOptions options, TimeProvider time)
        : this(options, time, DefaultCrTokenFiles)
    {
    }

    /// <summary>Lets tests replace the well-known default locations.</summary>
    internal IamTrustedProfileSource(TokenProviderOptions options, TimeProvider time, IReadOnlyList<string> defaultCrTokenFiles)
    {
        _options = options;
        _defaultCrTokenFiles = defaultCrTokenFiles;
        _endpoint = new IamTokenEndpoint(options, time);
    }

    public Task<TokenResult> FetchAsync(CancellationToken cancellationToken)
    {
        if (!TryReadCrToken(out var crToken, out var error))
        {
            return Task.FromResult(TokenResult.Fail(TokenFailureKind.Failed, error));
        }

        var form = new List<KeyValuePair<string, string>>(4)
        {
            new("grant_type", GrantType),
            new("cr_token", crToken),
        };

        // Like IBM's SDKs, send whichever of the two is configured (both when both are).
        if (!string.IsNullOrEmpty(_options.ProfileId))
        {
            form.Add(new("profile_id", _options.ProfileId));
        }

        if (!string.IsNullOrEmpty(_options.ProfileName))
        {
            form.Add(new("profile_name", _options.ProfileName));
        }

        return _endpoint.RequestAsync(form, authorization: null, [crToken], cancellationToken);
    }

    public void Dispose() => _endpoint.Dispose();

    private bool TryReadCrToken(out string crToken, out string error)
    {
        var file = _options.CrTokenFile;
        if (string.IsNullOrWhiteSpace(file))
        {
            // Looked up at each fetch, so a token mounted after start-up is found.
            file = _defaultCrTokenFiles.FirstOrDefault(File.Exists);
            if (file is null)
            {
                crToken = "";
                error = $"no compute-resource token: none of {string.Join(", ", _defaultCrTokenFiles.Select(f => $"'{f}'"))} exists; set CrTokenFile";
                return false;
            }
        }

        return new Secret("CrToken", inline: null, file).TryRead(out crToken, out error);
    }
}
