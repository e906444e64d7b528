using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace ClientHub.Functions.Http.Auth;

/// <summary>
/// A portal token on a staff route, or a staff key on a portal route, is not a credential for that route at all: 401 (with the
/// challenge), as for no key, rather than the 403 the policy's failed kind requirement would give. 403 stays for what it means
/// in API.md: a staff member whose role is too low.
/// </summary>
internal sealed class CredentialKindResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var wrongKind = authorizeResult.Forbidden && authorizeResult.AuthorizationFailure?.FailedRequirements
            .Any(r => r is ClaimsAuthorizationRequirement { ClaimType: ClaimNames.Kind }) == true;
        return _default.HandleAsync(next, context, policy, wrongKind ? PolicyAuthorizationResult.Challenge() : authorizeResult);
    }
}
