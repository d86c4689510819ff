using Microsoft.AspNetCore.Authorization;

namespace AuthProxy.InboundAuth;

/// <summary>
/// For the throw-away container in which YARP validates a candidate <c>ReverseProxy</c> section: answers every
/// policy name except YARP's reserved <c>Default</c>/<c>Anonymous</c>, so YARP accepts the names and
/// <see cref="InboundAuthValidator"/> alone reports unknown ones, with their exact config key path.
/// </summary>
internal sealed class RoutePolicyPlaceholderProvider : IAuthorizationPolicyProvider
{
    private static readonly Task<AuthorizationPolicy?> Placeholder = Task.FromResult<AuthorizationPolicy?>(InboundPolicies.AnyClient);
    private static readonly Task<AuthorizationPolicy?> None = Task.FromResult<AuthorizationPolicy?>(null);

    public Task<AuthorizationPolicy?> GetPolicyAsync(string policyName) =>
        InboundPolicies.IsReserved(policyName) ? None : Placeholder;

    public Task<AuthorizationPolicy> GetDefaultPolicyAsync() => InboundPolicies.AnyClientTask;

    public Task<AuthorizationPolicy?> GetFallbackPolicyAsync() => None;
}
