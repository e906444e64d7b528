using System.Security.Claims;
using ClientHub.Core;
using ClientHub.Core.Firms;
using ClientHub.Storage;

namespace ClientHub.Functions.Http.Auth;

/// <summary>A firm's staff member calling with an API key. Bound from the authenticated principal.</summary>
public sealed record StaffCaller(FirmId FirmId, string StaffId, StaffRole Role)
{
    /// <summary>The firm's stamps as sign-in read them: what this request's cached staff, statuses and pipelines are current to.</summary>
    public FirmStamps? Stamps { get; init; }

    public static ValueTask<StaffCaller?> BindAsync(HttpContext context) =>
        ValueTask.FromResult(From(context.User) is { } caller ? caller with { Stamps = context.Features.Get<FirmStamps>() } : null);

    public static StaffCaller? From(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimNames.Kind) == ClaimNames.StaffKind
            ? new StaffCaller(new FirmId(user.FindFirstValue(ClaimNames.Firm)!), user.FindFirstValue(ClaimNames.Staff)!,
                Enum.Parse<StaffRole>(user.FindFirstValue(ClaimNames.Role)!))
            : null;
}

/// <summary>A client contact calling with a portal token; sees only its own account's client-visible items.</summary>
public sealed record PortalCaller(FirmId FirmId, string AccountId, string ContactId)
{
    /// <inheritdoc cref="StaffCaller.Stamps"/>
    public FirmStamps? Stamps { get; init; }

    public static ValueTask<PortalCaller?> BindAsync(HttpContext context) =>
        ValueTask.FromResult(From(context.User) is { } caller ? caller with { Stamps = context.Features.Get<FirmStamps>() } : null);

    public static PortalCaller? From(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimNames.Kind) == ClaimNames.PortalKind
            ? new PortalCaller(new FirmId(user.FindFirstValue(ClaimNames.Firm)!), user.FindFirstValue(ClaimNames.Account)!,
                user.FindFirstValue(ClaimNames.Contact)!)
            : null;
}

internal static class ClaimNames
{
    public const string Kind = "chk:kind", Firm = "chk:firm", Staff = "chk:staff", Role = ClaimTypes.Role,
        Account = "chk:account", Contact = "chk:contact", StaffKind = "staff", PortalKind = "portal";
}

public static class Policies
{
    /// <summary>Any staff member of the firm.</summary>
    public const string Staff = "staff";

    /// <summary>Owners and admins: staff, keys and pipelines.</summary>
    public const string Admin = "admin";

    /// <summary>Owners only: operations on the host's own queues.</summary>
    public const string Owner = "owner";

    /// <summary>A client contact with a portal token.</summary>
    public const string Portal = "portal";
}
