using System.Collections.Frozen;
using Microsoft.AspNetCore.Authorization;

namespace AuthProxy.InboundAuth;

/// <summary>
/// Requires the authenticated client to be one of a policy's clients. It is its own handler, so no
/// handler registration is needed (ASP.NET Core's pass-through handler runs it).
/// </summary>
internal sealed class InboundClientRequirement : AuthorizationHandler<InboundClientRequirement>, IAuthorizationRequirement
{
    public InboundClientRequirement(string policyName, IEnumerable<string> clients)
    {
        PolicyName = policyName;
        Clients = clients.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The <c>InboundAuth:Policies</c> entry this requirement comes from.</summary>
    public string PolicyName { get; }

    /// <summary>The clients allowed.</summary>
    public FrozenSet<string> Clients { get; }

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, InboundClientRequirement requirement)
    {
        if (context.User.FindFirst(InboundAuthDefaults.ClientClaimType)?.Value is { } client && requirement.Clients.Contains(client))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    public override string ToString() => $"InboundClient({PolicyName}: {string.Join(", ", Clients)})";
}
