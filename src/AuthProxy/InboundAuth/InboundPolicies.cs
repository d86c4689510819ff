using Microsoft.AspNetCore.Authorization;

namespace AuthProxy.InboundAuth;

/// <summary>The authorization policies built from <c>InboundAuth</c>; all authenticate with the inbound scheme only.</summary>
internal static class InboundPolicies
{
    /// <summary>Any known client: YARP's <c>Default</c>, and the fallback for routes without a policy while clients exist.</summary>
    public static readonly AuthorizationPolicy AnyClient = new AuthorizationPolicyBuilder(InboundAuthDefaults.AuthenticationScheme)
        .RequireAuthenticatedUser()
        .Build();

    /// <summary>Completed tasks, so the per-request policy lookups allocate nothing.</summary>
    public static readonly Task<AuthorizationPolicy> AnyClientTask = Task.FromResult(AnyClient);

    public static readonly Task<AuthorizationPolicy?> AnyClientOrNullTask = Task.FromResult<AuthorizationPolicy?>(AnyClient);

    /// <summary>
    /// Answers a policy name a live reload just removed while YARP may still route with it for a moment:
    /// authenticated clients get 403, others 401, rather than a 500 for a missing policy.
    /// </summary>
    public static readonly Task<AuthorizationPolicy?> RetiredTask = Task.FromResult<AuthorizationPolicy?>(ForClients("(retired)", []));

    /// <summary>A named <c>InboundAuth:Policies</c> entry: an authenticated client among <paramref name="clients"/>.</summary>
    public static AuthorizationPolicy ForClients(string name, IEnumerable<string> clients) =>
        new AuthorizationPolicyBuilder(InboundAuthDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new InboundClientRequirement(name, clients))
            .Build();

    /// <summary>True for YARP's reserved <c>Default</c> and <c>Anonymous</c> route policy values.</summary>
    public static bool IsReserved(string name) =>
        name.Equals(InboundAuthDefaults.DefaultPolicyName, StringComparison.OrdinalIgnoreCase) ||
        name.Equals(InboundAuthDefaults.AnonymousPolicyName, StringComparison.OrdinalIgnoreCase);
}
