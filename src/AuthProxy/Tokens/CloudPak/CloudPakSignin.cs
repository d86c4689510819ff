namespace AuthProxy.Tokens.CloudPak;

/// <summary>
/// The exchange <c>Cp4dAuthorize</c> and <c>Cp4dSignin</c> share: POST JSON credentials, read <c>token</c>
/// (a JWT whose <c>exp</c> sets the lifetime) and send it upstream as <c>Bearer</c>.
/// </summary>
internal static class CloudPakSignin
{
    public static async Task<TokenResult> PostCredentialsAsync(TokenEndpointClient client, Uri url, CloudPakCredentials body,
        string secret, TokenProviderOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = TokenEndpointClient.JsonContent(body, TokenJsonContext.Default.CloudPakCredentials),
        };
        var (reply, failure) = await client.SendAsync(request, TokenJsonContext.Default.CloudPakTokenReply, [secret], cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        if (string.IsNullOrEmpty(reply!.Token))
        {
            return TokenEndpointClient.MissingField("token");
        }

        return TokenLifetime.Create("Bearer " + reply.Token, reply.Token, null, null, options, time.GetUtcNow());
    }
}
