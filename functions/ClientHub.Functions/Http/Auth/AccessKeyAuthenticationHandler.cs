using System.Security.Claims;
using System.Text.Encodings.Web;
using ClientHub.Core.Clients;
using ClientHub.Core.Firms;
using ClientHub.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Http.Auth;

/// <summary>
/// Resolves <c>Authorization: Bearer chk_…|chp_…</c> to the firm, staff member and role, or the
/// portal contact. Nothing is cached: a revoked key or a changed role takes effect on the next request.
/// </summary>
internal sealed class AccessKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    AccessKeys keys, FirmDocuments documents)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AccessKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var token = header["Bearer ".Length..].Trim();
        if (!token.StartsWith(AccessKeys.StaffPrefix, StringComparison.Ordinal)
            && !token.StartsWith(AccessKeys.PortalPrefix, StringComparison.Ordinal))
            return AuthenticateResult.Fail("Unknown credential.");

        var grant = await keys.ValidateAsync(token, Context.RequestAborted);
        if (grant is null) return AuthenticateResult.Fail("Invalid, revoked or expired credential.");

        var claims = new List<Claim> { new(ClaimNames.Firm, grant.FirmId.Value) };
        if (grant.Kind == AccessKeyKind.Staff)
        {
            var staff = await documents.GetAsync<StaffMember>(grant.FirmId, DocumentKinds.Staff, grant.StaffId!, Context.RequestAborted);
            if (staff is null) return AuthenticateResult.Fail("The key's staff member no longer exists.");
            claims.Add(new(ClaimNames.Kind, ClaimNames.StaffKind));
            claims.Add(new(ClaimNames.Staff, staff.Value.Id));
            claims.Add(new(ClaimNames.Role, staff.Value.Role.ToString()));
        }
        else
        {
            var contact = await documents.GetAsync<Contact>(grant.FirmId, DocumentKinds.Contact, grant.ContactId!, Context.RequestAborted);
            if (contact is null || !contact.Value.Accepts(grant.IssuedAt)) return AuthenticateResult.Fail("The contact has no portal access.");
            claims.Add(new(ClaimNames.Kind, ClaimNames.PortalKind));
            claims.Add(new(ClaimNames.Account, grant.AccountId!));
            claims.Add(new(ClaimNames.Contact, grant.ContactId!));
        }
        var identity = new ClaimsIdentity(claims, SchemeName, ClaimNames.Staff, ClaimNames.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

public static class AuthServiceCollectionExtensions
{
    public static IServiceCollection AddAccessKeyAuth(this IServiceCollection services)
    {
        services.AddAuthentication(AccessKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, AccessKeyAuthenticationHandler>(AccessKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Staff, p => p.RequireClaim(ClaimNames.Kind, ClaimNames.StaffKind))
            .AddPolicy(Policies.Admin, p => p.RequireClaim(ClaimNames.Kind, ClaimNames.StaffKind)
                .RequireRole(nameof(StaffRole.Owner), nameof(StaffRole.Admin)))
            .AddPolicy(Policies.Owner, p => p.RequireClaim(ClaimNames.Kind, ClaimNames.StaffKind).RequireRole(nameof(StaffRole.Owner)))
            .AddPolicy(Policies.Portal, p => p.RequireClaim(ClaimNames.Kind, ClaimNames.PortalKind));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, CredentialKindResultHandler>();
        return services;
    }
}
