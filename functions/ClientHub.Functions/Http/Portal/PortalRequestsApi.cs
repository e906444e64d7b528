using ClientHub.Core.Items;
using ClientHub.Functions.Documents;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using TaskStatus = ClientHub.Core.Items.TaskStatus;

namespace ClientHub.Functions.Http.Portal;

public sealed record EntryStatusRequest(TaskStatus? Status);
public sealed record CommentRequest(string Text);

/// <summary>
/// Information requests, client side: the client moves each item Todo → InProgress → Done, comments, uploads documents, and submits.
/// A submitted request is read-only for the client until the firm reopens it.
/// </summary>
public static partial class PortalApi
{
    private static void MapRequests(this RouteGroupBuilder portal)
    {
        var requests = portal.MapGroup("/requests");
        requests.MapGet("", (PortalCaller caller, JobStore store, RequestStatus? status, string? q, int? pageSize, string? continuationToken,
                CancellationToken ct) =>
            ListAsync(caller, store, ItemTypes.Request, status?.ToString(), q is null ? null : item => Matches((RequestItem)item, q), pageSize,
                continuationToken, ct));
        requests.MapGet("/{id}", (string id, PortalCaller caller, JobStore store, HttpResponse r, CancellationToken ct) =>
            GetAsync<RequestItem>(id, caller, store, r, ct));
        requests.MapPatch("/{id}/items/{itemId}", SetEntryStatusAsync);
        requests.MapPost("/{id}/items/{itemId}/comments", CommentAsync);
        requests.MapPost("/{id}/items/{itemId}/documents", UploadAsync).AcceptsDocumentUpload(portal);
        requests.MapPost("/{id}/submit", (string id, PortalCaller caller, JobEngine engine, JobStore store, HttpResponse r, CancellationToken ct) =>
            ChangeAsync<RequestItem>(id, caller, engine, store, r, request => request.Submitted(), "submitted a request", ct)).TakesNoBody();
    }

    /// <remarks>Text search over the request's title, description and item titles; applied per page, so a page may come back short.</remarks>
    private static bool Matches(RequestItem request, string q) =>
        new[] { request.Title, request.Description }.Concat(request.Items.Select(i => i.Title))
            .Any(text => text?.Contains(q, StringComparison.OrdinalIgnoreCase) == true);

    private static async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> SetEntryStatusAsync(string id, string itemId,
        EntryStatusRequest request, PortalCaller caller, JobEngine engine, JobStore store, HttpResponse response, CancellationToken cancellationToken)
    {
        if (request.Status is not { } status) return new ValidationErrors().Add("status", "Required: Todo, InProgress or Done.").ToResult();
        return await ChangeEntryAsync(id, itemId, caller, engine, store, response, e => e with { Status = status }, cancellationToken);
    }

    private static async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> CommentAsync(string id, string itemId, CommentRequest request,
        PortalCaller caller, JobEngine engine, JobStore store, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().Required("text", request.Text, Limits.Description);
        if (errors.Any) return errors.ToResult();
        return await ChangeEntryAsync(id, itemId, caller, engine, store, response,
            e => e with { Comments = [.. e.Comments, new RequestComment(engine.Now, Author(caller), request.Text)] }, cancellationToken);
    }

    /// <summary>
    /// A document for one item of a request: stored in the account's documents, in the request's folder, then listed on the item.
    /// A request the client can no longer change takes no upload. Should it be submitted between the upload and the listing, the
    /// document stays among the account's documents without being listed on the item.
    /// </summary>
    private static async Task<Results<Created<StoredDocument>, NotFound, ValidationProblem>> UploadAsync(string id, string itemId,
        PortalCaller caller, JobEngine engine, JobStore store, AccountDocuments documents, HttpRequest http, CancellationToken cancellationToken)
    {
        if ((await OwnAsync<RequestItem>(caller, store, id, cancellationToken))?.Value is not RequestItem request || !request.HasEntry(itemId))
            return TypedResults.NotFound();
        request.EnsureOpenToClient();
        var document = await MultipartUpload.ReceiveAsync(http, documents, caller.FirmId, caller.AccountId, Author(caller), request.Folder,
            fixedInternal: false, cancellationToken);
        await ChangeAsync<RequestItem>(id, caller, engine, store, http.HttpContext.Response,
            r => r.ByClient(open => open.WithEntry(itemId, e => e with { Documents = [.. e.Documents, document.Id] })), notify: null,
            cancellationToken);
        http.HttpContext.Response.SetETag(document.ETag);
        return TypedResults.Created($"/api/portal/documents/{document.Id}/content", document);
    }

    /// <summary>A change of one item of a request the client may still work on; an unknown item is not found.</summary>
    private static async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> ChangeEntryAsync(string id, string itemId, PortalCaller caller,
        JobEngine engine, JobStore store, HttpResponse response, Func<RequestEntry, RequestEntry> change, CancellationToken cancellationToken)
    {
        if ((await OwnAsync<RequestItem>(caller, store, id, cancellationToken))?.Value is not RequestItem request || !request.HasEntry(itemId))
            return TypedResults.NotFound();
        return await ChangeAsync<RequestItem>(id, caller, engine, store, response,
            r => r.ByClient(open => open.WithEntry(itemId, change)), notify: null, cancellationToken);
    }
}
