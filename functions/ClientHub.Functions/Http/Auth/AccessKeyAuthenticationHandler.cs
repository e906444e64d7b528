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
/// portal contact. The key is read on every request, and the staff member from the firm's snapshot checked against the firm's stamps
/// (<see cref="FirmSnapshots"/>), read here once for the whole request: a revoked key or a changed role takes effect on the next request.
/// Without that header, the portal page's sign-in cookie (<see cref="PortalCookie"/>) stands in for a portal token, on
/// <c>/api/portal/*</c> only: a cookie never authenticates a firm route, and never carries a staff key.
/// </summary>
internal sealed class AccessKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    AccessKeys keys, FirmDocuments documents, FirmSnapshots snapshots)
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
        var stamps = snapshots.StampsAsync(grant.FirmId, Context.RequestAborted);
        var identity = grant.Kind == AccessKeyKind.Staff
            ? await StaffClaimsAsync(grant, await stamps, Context.RequestAborted)
            : await PortalClaimsAsync(grant, documents, Context.RequestAborted);
        if (identity is null) return AuthenticateResult.Fail("The credential's staff member or contact no longer has access.");
        Context.Features.Set(await stamps);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>The staff member a valid staff key stands for, or null when the member is gone.</summary>
    private async Task<ClaimsIdentity?> StaffClaimsAsync(AccessGrant grant, FirmStamps stamps, CancellationToken cancellationToken)
    {
        var staff = await snapshots.ByIdAsync<StaffMember>(stamps, DocumentKinds.Staff, s => s.Id, cancellationToken);
        if (staff.GetValueOrDefault(grant.StaffId!) is not { } member) return null;
        return Identity(grant, new(ClaimNames.Kind, ClaimNames.StaffKind), new(ClaimNames.Staff, member.Id),
            new(ClaimNames.Role, member.Role.ToString()));
    }

    /// <summary>
    /// The contact a valid portal token stands for, or null when it has lost portal access. Also what the portal page's sign-in link is
    /// checked with before its token goes into the cookie.
    /// </summary>
    internal static async Task<ClaimsIdentity?> PortalClaimsAsync(AccessGrant grant, FirmDocuments documents, CancellationToken cancellationToken)
    {
        var contact = await documents.GetAsync<Contact>(grant.FirmId, DocumentKinds.Contact, grant.ContactId!, cancellationToken);
        if (contact is null || !contact.Value.Accepts(grant.IssuedAt)) return null;
        return Identity(grant, new(ClaimNames.Kind, ClaimNames.PortalKind), new(ClaimNames.Account, grant.AccountId!),
            new(ClaimNames.Contact, grant.ContactId!));
    }

    private static ClaimsIdentity Identity(AccessGrant grant, params Claim[] claims) =>
        new([new(ClaimNames.Firm, grant.FirmId.Value), .. claims], SchemeName, ClaimNames.Staff, ClaimNames.Role);
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
