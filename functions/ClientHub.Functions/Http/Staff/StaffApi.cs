using ClientHub.Core;
using ClientHub.Core.Firms;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Http.Templates;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Staff;

public sealed record CreateStaffRequest(string? Name, string? Email, StaffRole? Role, bool? Digest);
public sealed record UpdateStaffRequest(string? Name, string? Email, StaffRole? Role, bool? Digest);
public sealed record CreatedApiKey(string Id, string ApiKey);

/// <summary>
/// A firm's staff and their API keys. Everyone reads the staff list; only Owners and Admins manage
/// staff and keys, and only an Owner makes, keeps or removes an Owner: an Admin who could promote
/// somebody (or mint a key for an Owner) could make themselves one.
/// </summary>
public static class StaffApi
{
    public static IEndpointRouteBuilder MapStaffApi(this IEndpointRouteBuilder api)
    {
        var staff = api.MapGroup("/staff").WithTags("Staff");
        staff.MapGroup("").RequireAuthorization(Policies.Staff).MapDocumentReads<StaffMember>(DocumentKinds.Staff);
        staff.MapPost("/", CreateStaffAsync).RequireAuthorization(Policies.Admin);
        // Any staff member may turn their own digest off; everything else about staff is for Owners and Admins.
        staff.MapPatch("/{id}", UpdateStaffAsync).RequireAuthorization(Policies.Staff);
        staff.MapDelete("/{id}", DeleteStaffAsync).RequireAuthorization(Policies.Admin);
        staff.MapPost("/{id}/api-keys", CreateApiKeyAsync).RequireAuthorization(Policies.Admin).TakesNoBody();

        api.MapDelete("/api-keys/{id}", RevokeApiKeyAsync).RequireAuthorization(Policies.Admin).WithTags("Staff");
        return api;
    }

    private static async Task<Results<Created<StaffMember>, ValidationProblem, ProblemHttpResult>> CreateStaffAsync(
        CreateStaffRequest request, StaffCaller caller, FirmDocuments documents, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().Required("name", request.Name).Email("email", request.Email);
        if (request.Role is null) errors.Add("role", "Required.");
        if (errors.Any) return errors.ToResult();
        if (request.Role == StaffRole.Owner && caller.Role != StaffRole.Owner) return Forbidden("Only an Owner can add an Owner.");

        var member = new StaffMember(Ids.New(), request.Name!.Trim(), request.Email!.Trim(), request.Role!.Value) { Digest = request.Digest ?? true };
        var (outcome, etag) = await documents.InsertStaffAsync(caller.FirmId, member, cancellationToken);
        if (outcome == UniqueWrite.NameTaken) throw EmailTaken();
        response.SetETag(etag);
        return TypedResults.Created($"/api/staff/{member.Id}", member);
    }

    private static async Task<Results<Ok<StaffMember>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateStaffAsync(
        string id, UpdateStaffRequest request, StaffCaller caller, FirmDocuments documents, HttpRequest http, CancellationToken cancellationToken)
    {
        var onlyOwnDigest = id == caller.StaffId && request is { Name: null, Email: null, Role: null };
        if (caller.Role < StaffRole.Admin && !onlyOwnDigest) return Forbidden("Your role allows changing only your own digest.");
        var errors = new ValidationErrors();
        if (request.Name is not null) errors.Required("name", request.Name);
        if (request.Email is not null) errors.Email("email", request.Email);
        if (errors.Any) return errors.ToResult();

        var stored = await documents.GetAsync<StaffMember>(caller.FirmId, DocumentKinds.Staff, id, cancellationToken);
        if (stored is null) return TypedResults.NotFound();
        var current = stored.Value;
        var updated = current with
        {
            Name = request.Name?.Trim() ?? current.Name,
            Email = request.Email?.Trim() ?? current.Email,
            Role = request.Role ?? current.Role,
            Digest = request.Digest ?? current.Digest,
        };
        if (caller.Role != StaffRole.Owner && (current.Role == StaffRole.Owner || updated.Role == StaffRole.Owner))
            return Forbidden("Only an Owner can change an Owner or make someone one.");
        if (current.Role == StaffRole.Owner && updated.Role != StaffRole.Owner)
            await EnsureAnotherOwnerAsync(documents, caller.FirmId, current.Id, "demote", cancellationToken);

        var (outcome, etag) = await documents.ReplaceStaffAsync(caller.FirmId, current, updated, http.IfMatch(), cancellationToken);
        if (outcome == UniqueWrite.NotFound) return TypedResults.NotFound();
        if (outcome == UniqueWrite.NameTaken) throw EmailTaken();
        http.HttpContext.Response.SetETag(etag);
        return TypedResults.Ok(updated);
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteStaffAsync(
        string id, StaffCaller caller, FirmDocuments documents, CancellationToken cancellationToken)
    {
        var stored = await documents.GetAsync<StaffMember>(caller.FirmId, DocumentKinds.Staff, id, cancellationToken);
        if (stored is null) return TypedResults.NotFound();
        var member = stored.Value;
        if (member.Role == StaffRole.Owner)
        {
            if (caller.Role != StaffRole.Owner) return Forbidden("Only an Owner can remove an Owner.");
            await EnsureAnotherOwnerAsync(documents, caller.FirmId, member.Id, "delete", cancellationToken);
        }
        await documents.EnsureUnusedAsync(caller.FirmId, "staff member", r => r with { StaffIds = r.StaffIds.Where(s => s != id).ToHashSet() },
            cancellationToken);
        // The member's keys stay in the key table but stop working at once: the auth handler
        // rejects a key whose staff row is gone.
        if (!await documents.DeleteStaffAsync(caller.FirmId, member, stored.ETag, cancellationToken)) return TypedResults.NotFound();
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<CreatedApiKey>, NotFound, ProblemHttpResult>> CreateApiKeyAsync(
        string id, StaffCaller caller, FirmDocuments documents, AccessKeys keys, HttpResponse response, CancellationToken cancellationToken)
    {
        var member = await documents.GetAsync<StaffMember>(caller.FirmId, DocumentKinds.Staff, id, cancellationToken);
        if (member is null) return TypedResults.NotFound();
        if (member.Value.Role == StaffRole.Owner && caller.Role != StaffRole.Owner)
            return Forbidden("Only an Owner can create a key for an Owner.");
        var (keyId, secret, etag) = await keys.CreateStaffKeyAsync(caller.FirmId, member.Value.Id, cancellationToken);
        response.SetETag(etag);
        return TypedResults.Created($"/api/api-keys/{keyId}", new CreatedApiKey(keyId, secret));
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RevokeApiKeyAsync(string id, StaffCaller caller, AccessKeys keys,
        FirmDocuments documents, CancellationToken cancellationToken)
    {
        if (await keys.StaffOfKeyAsync(caller.FirmId, id, cancellationToken) is not { } staffId) return TypedResults.NotFound();
        // As with minting one: an Admin must not be able to lock the firm's Owner out.
        if (caller.Role != StaffRole.Owner
            && (await documents.GetAsync<StaffMember>(caller.FirmId, DocumentKinds.Staff, staffId, cancellationToken))?.Value.Role == StaffRole.Owner)
            return Forbidden("Only an Owner can revoke an Owner's key.");
        await keys.RevokeAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>A firm always keeps an Owner: the last one can be neither deleted nor demoted.</summary>
    /// <remarks>Two Owners removing each other at the same instant could both pass; an accepted race for a rare, manual action.</remarks>
    private static async Task EnsureAnotherOwnerAsync(
        FirmDocuments documents, FirmId firmId, string ownerId, string action, CancellationToken cancellationToken)
    {
        var staff = await documents.ListAllAsync<StaffMember>(firmId, DocumentKinds.Staff, cancellationToken);
        if (!staff.Any(s => s.Role == StaffRole.Owner && s.Id != ownerId))
            throw new ConflictException($"Cannot {action} the firm's last Owner.");
    }

    private static ConflictException EmailTaken() => new("Another staff member of the firm has this email address.");

    private static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", type: "https://httpstatuses.io/403");
}
