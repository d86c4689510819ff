using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Serves the live <c>InboundAuth:Policies</c> entries as authorization policies (a route's YARP
/// <c>AuthorizationPolicy</c> names them), <see cref="InboundPolicies.AnyClient"/> as the default policy (YARP's
/// <c>Default</c>) and, while clients exist, as the fallback policy that YARP routes without a policy get.
/// Other names fall back to the policies registered in <see cref="AuthorizationOptions"/>.
/// </summary>
/// <remarks>Policies change with the configuration, so ASP.NET Core must not cache them per endpoint.</remarks>
internal sealed class InboundAuthorizationPolicyProvider : IAuthorizationPolicyProvider
{
    private readonly DefaultAuthorizationPolicyProvider _registered;
    private readonly InboundClientStore _store;

    public InboundAuthorizationPolicyProvider(IOptions<AuthorizationOptions> options, InboundClientStore store)
    {
        _registered = new DefaultAuthorizationPolicyProvider(options);
        _store = store;
    }

    public bool AllowsCachingPolicies => false;

    public Task<AuthorizationPolicy?> GetPolicyAsync(string policyName) =>
        _store.FindPolicy(policyName) ?? _registered.GetPolicyAsync(policyName);

    public Task<AuthorizationPolicy> GetDefaultPolicyAsync() => InboundPolicies.AnyClientTask;

    public Task<AuthorizationPolicy?> GetFallbackPolicyAsync() =>
        _store.Current.HasClients ? InboundPolicies.AnyClientOrNullTask : _registered.GetFallbackPolicyAsync();
}
