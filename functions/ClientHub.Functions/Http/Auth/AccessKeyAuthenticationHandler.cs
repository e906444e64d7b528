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
/// Without that header, the portal page's sign-in cookie (<see cref="PortalCookie"/>) stands in for a portal token, on
/// <c>/api/portal/*</c> only: a cookie never authenticates a firm route, and never carries a staff key.
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
        string token;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
            if (!token.StartsWith(AccessKeys.StaffPrefix, StringComparison.Ordinal)
                && !token.StartsWith(AccessKeys.PortalPrefix, StringComparison.Ordinal))
                return AuthenticateResult.Fail("Unknown credential.");
        }
        else if (PortalCookie.Read(Request) is { } cookie)
        {
            if (!cookie.StartsWith(AccessKeys.PortalPrefix, StringComparison.Ordinal)) return AuthenticateResult.Fail("Unknown credential.");
            token = cookie;
        }
        else return AuthenticateResult.NoResult();

        var grant = await keys.ValidateAsync(token, Context.RequestAborted);
        if (grant is null) return AuthenticateResult.Fail("Invalid, revoked or expired credential.");
        return await ClaimsAsync(grant, documents, Context.RequestAborted) is { } identity
            ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName))
            : AuthenticateResult.Fail("The credential's staff member or contact no longer has access.");
    }

    /// <summary>
    /// The caller a valid grant stands for, or null when its staff member is gone or its contact has lost portal access. Also what the
    /// portal page's sign-in link is checked with before its token goes into the cookie.
    /// </summary>
    internal static async Task<ClaimsIdentity?> ClaimsAsync(AccessGrant grant, FirmDocuments documents, CancellationToken cancellationToken)
    {
        var claims = new List<Claim> { new(ClaimNames.Firm, grant.FirmId.Value) };
        if (grant.Kind == AccessKeyKind.Staff)
        {
            var staff = await documents.GetAsync<StaffMember>(grant.FirmId, DocumentKinds.Staff, grant.StaffId!, cancellationToken);
            if (staff is null) return null;
            claims.Add(new(ClaimNames.Kind, ClaimNames.StaffKind));
            claims.Add(new(ClaimNames.Staff, staff.Value.Id));
            claims.Add(new(ClaimNames.Role, staff.Value.Role.ToString()));
        }
        else
        {
            var contact = await documents.GetAsync<Contact>(grant.FirmId, DocumentKinds.Contact, grant.ContactId!, cancellationToken);
            if (contact is null || !contact.Value.Accepts(grant.IssuedAt)) return null;
            claims.Add(new(ClaimNames.Kind, ClaimNames.PortalKind));
            claims.Add(new(ClaimNames.Account, grant.AccountId!));
            claims.Add(new(ClaimNames.Contact, grant.ContactId!));
        }
        return new ClaimsIdentity(claims, SchemeName, ClaimNames.Staff, ClaimNames.Role);
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
