using Azure;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Functions.Http.Auth;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Clients;

public sealed record CreateContactRequest(string? Name, string? Email, bool? Notify, bool? PortalAccess);
public sealed record UpdateContactRequest(string? Name, string? Email, bool? Notify, bool? PortalAccess);
public sealed record PortalTokenResponse(string Token, DateTimeOffset ExpiresAt);

/// <summary>
/// The people of a client account: who gets emails (<c>notify</c>) and who may sign in to the portal
/// (<c>portalAccess</c>). Storage layout: <see cref="ContactDocuments"/>.
/// </summary>
public static class ContactsApi
{
    /// <summary>How long a portal sign-in token works.</summary>
    public static readonly TimeSpan PortalTokenLifetime = TimeSpan.FromDays(30);

    public static IEndpointRouteBuilder MapContactsApi(this IEndpointRouteBuilder api)
    {
        var ofAccount = api.MapGroup("/accounts/{accountId}/contacts").WithTags("Contacts").RequireAuthorization(Policies.Staff);
        ofAccount.MapGet("/", ListContactsAsync);
        ofAccount.MapPost("/", CreateContactAsync);

        var contacts = api.MapGroup("/contacts").WithTags("Contacts").RequireAuthorization(Policies.Staff);
        contacts.MapGet("/{id}", GetContactAsync);
        contacts.MapPatch("/{id}", UpdateContactAsync);
        contacts.MapDelete("/{id}", DeleteContactAsync);
        contacts.MapPost("/{id}/portal-token", CreatePortalTokenAsync).TakesNoBody();
        return api;
    }

    private static async Task<Results<Ok<ListResponse<Contact>>, NotFound>> ListContactsAsync(string accountId, StaffCaller caller,
        FirmDocuments documents, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        if (await documents.GetAsync<Account>(caller.FirmId, DocumentKinds.Account, accountId, cancellationToken) is null)
            return TypedResults.NotFound();
        var page = await documents.ListContactsAsync(caller.FirmId, accountId, HttpConventions.PageSize(pageSize), continuationToken,
            cancellationToken);
        return TypedResults.Ok(page.ToList(c => c));
    }

    /// <remarks>
    /// <c>notify</c> defaults to true and <c>portalAccess</c> to false: a new contact gets emails but no sign-in until a
    /// person grants it.
    /// </remarks>
    private static async Task<Results<Created<Contact>, NotFound, ValidationProblem>> CreateContactAsync(string accountId,
        CreateContactRequest request, StaffCaller caller, FirmDocuments documents, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().Required("name", request.Name).Email("email", request.Email?.Trim());
        if (errors.Any) return errors.ToResult();
        if (await documents.GetAsync<Account>(caller.FirmId, DocumentKinds.Account, accountId, cancellationToken) is null)
            return TypedResults.NotFound();

        var contact = new Contact(Ids.New(), accountId, request.Name!.Trim(), request.Email!.Trim(), request.Notify ?? true,
            request.PortalAccess ?? false);
        response.SetETag(await documents.InsertContactAsync(caller.FirmId, contact, cancellationToken));
        return TypedResults.Created($"/api/contacts/{contact.Id}", contact);
    }

    private static async Task<Results<Ok<Contact>, NotFound>> GetContactAsync(string id, StaffCaller caller, FirmDocuments documents,
        HttpResponse response, CancellationToken cancellationToken)
    {
        var contact = await documents.GetContactAsync(caller.FirmId, id, cancellationToken);
        if (contact is null) return TypedResults.NotFound();
        response.SetETag(contact.ETag);
        return TypedResults.Ok(contact.Value);
    }

    private static async Task<Results<Ok<Contact>, NotFound, ValidationProblem>> UpdateContactAsync(string id, UpdateContactRequest request,
        StaffCaller caller, FirmDocuments documents, TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Name is not null) errors.Required("name", request.Name);
        if (request.Email is not null) errors.Email("email", request.Email.Trim());
        if (errors.Any) return errors.ToResult();

        var stored = await documents.GetContactAsync(caller.FirmId, id, cancellationToken);
        if (stored is null) return TypedResults.NotFound();
        var updated = stored.Value with
        {
            Name = request.Name?.Trim() ?? stored.Value.Name,
            Email = request.Email?.Trim() ?? stored.Value.Email,
            Notify = request.Notify ?? stored.Value.Notify,
            PortalAccess = request.PortalAccess ?? stored.Value.PortalAccess,
            PortalTokensValidFrom = request.PortalAccess == false && stored.Value.PortalAccess ? time.GetUtcNow() : stored.Value.PortalTokensValidFrom,
        };
        try
        {
            http.HttpContext.Response.SetETag(await documents.ReplaceContactAsync(caller.FirmId, updated, http.IfMatch(), cancellationToken));
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(updated);
    }

    private static async Task<Results<NoContent, NotFound>> DeleteContactAsync(
        string id, StaffCaller caller, FirmDocuments documents, CancellationToken cancellationToken)
    {
        var stored = await documents.GetContactAsync(caller.FirmId, id, cancellationToken);
        if (stored is null) return TypedResults.NotFound();
        try
        {
            await documents.DeleteContactAsync(caller.FirmId, stored.Value, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.NoContent();
    }

    /// <summary>Issues a portal sign-in token (in production it goes out as a link by email); only for a contact with portal access.</summary>
    private static async Task<Results<Created<PortalTokenResponse>, NotFound>> CreatePortalTokenAsync(string id, StaffCaller caller,
        FirmDocuments documents, AccessKeys keys, HttpResponse response, CancellationToken cancellationToken)
    {
        var contact = await documents.GetContactAsync(caller.FirmId, id, cancellationToken);
        if (contact is null) return TypedResults.NotFound();
        if (!contact.Value.PortalAccess) throw new ConflictException("The contact has no portal access; grant portalAccess first.");
        var (token, expiresAt, etag) = await keys.CreatePortalTokenAsync(caller.FirmId, contact.Value.AccountId, contact.Value.Id,
            PortalTokenLifetime, cancellationToken);
        response.SetETag(etag);
        return TypedResults.Created($"/api/contacts/{contact.Value.Id}", new PortalTokenResponse(token, expiresAt));
    }
}
