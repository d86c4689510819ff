using System.Net.Http.Headers;

namespace AuthProxy.Tokens.Iam;

/// <summary>
/// <c>VpcInstanceIdentity</c>: on an IBM Cloud VPC virtual server, no secret at all. The instance metadata service issues
/// an instance identity token (<c>PUT {MetadataUrl}/instance_identity/v1/token</c>, JSON <c>{"expires_in": 300}</c>) and
/// exchanges it for an IAM token (<c>POST …/instance_identity/v1/iam_token</c> with the identity token as <c>Bearer</c> and
/// the trusted profile, if one is configured, as JSON). Both carry <c>Metadata-Flavor: ibm</c> and <c>version=2022-03-01</c>.
/// </summary>
internal sealed class VpcInstanceIdentitySource : ITokenSource
{
    internal const string DefaultMetadataUrl = "http://169.254.169.254";
    internal const string Version = "2022-03-01";

    /// <summary>Lifetime asked for the instance identity token: it is used at once, for the second request only.</summary>
    internal const int IdentityTokenSeconds = 300;

    internal const string IdentityTokenStep = "instance identity token request";
    internal const string IamTokenStep = "IAM token request";

    private readonly TokenProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly TokenEndpointClient _client;
    private readonly Uri _identityTokenUrl;
    private readonly Uri _iamTokenUrl;

    public VpcInstanceIdentitySource(TokenProviderOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        var baseUrl = (string.IsNullOrWhiteSpace(options.MetadataUrl) ? DefaultMetadataUrl : options.MetadataUrl).TrimEnd('/');
        _identityTokenUrl = new Uri($"{baseUrl}/instance_identity/v1/token?version={Version}");
        _iamTokenUrl = new Uri($"{baseUrl}/instance_identity/v1/iam_token?version={Version}");
        _client = new TokenEndpointClient(options, time);
    }

    public async Task<TokenResult> FetchAsync(CancellationToken cancellationToken)
    {
        var identityRequest = new HttpRequestMessage(HttpMethod.Put, _identityTokenUrl)
        {
            Content = TokenEndpointClient.JsonContent(new VpcIdentityTokenRequest { ExpiresIn = IdentityTokenSeconds },
                TokenJsonContext.Default.VpcIdentityTokenRequest),
        };
        identityRequest.Headers.Add("Metadata-Flavor", "ibm");
        var (identity, failure) = await _client.SendAsync(identityRequest, TokenJsonContext.Default.IamTokenReply, [], cancellationToken);
        failure ??= string.IsNullOrEmpty(identity!.AccessToken) ? TokenEndpointClient.MissingField("access_token") : null;
        if (failure is not null)
        {
            return failure with { Reason = $"{IdentityTokenStep}: {failure.Reason}" };
        }

        var identityToken = identity!.AccessToken!;
        var iamRequest = new HttpRequestMessage(HttpMethod.Post, _iamTokenUrl);
        iamRequest.Headers.Add("Metadata-Flavor", "ibm");
        iamRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", identityToken);
        if (TrustedProfile() is { } profile)
        {
            iamRequest.Content = TokenEndpointClient.JsonContent(new VpcIamTokenRequest { TrustedProfile = profile },
                TokenJsonContext.Default.VpcIamTokenRequest);
        }

        var (reply, iamFailure) = await _client.SendAsync(iamRequest, TokenJsonContext.Default.IamTokenReply, [identityToken], cancellationToken);
        iamFailure ??= string.IsNullOrEmpty(reply!.AccessToken) ? TokenEndpointClient.MissingField("access_token") : null;
        if (iamFailure is not null)
        {
            return iamFailure with { Reason = $"{IamTokenStep}: {iamFailure.Reason}" };
        }

        return TokenLifetime.Create("Bearer " + reply!.AccessToken, reply.AccessToken, reply.ExpiresIn, reply.Expiration,
            _options, _time.GetUtcNow());
    }

    public void Dispose() => _client.Dispose();

    private VpcTrustedProfile? TrustedProfile() =>
        !string.IsNullOrEmpty(_options.ProfileId) ? new VpcTrustedProfile { Id = _options.ProfileId }
        : !string.IsNullOrEmpty(_options.ProfileCrn) ? new VpcTrustedProfile { Crn = _options.ProfileCrn }
        : null;
}
