using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Documents;
using ClientHub.Functions.Documents;
using ClientHub.Functions.Http.Auth;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Documents;

/// <summary>
/// Staff access to account documents (storage layout: <see cref="AccountDocuments"/>). A document of an account that no longer
/// exists is not found, like the account.
/// </summary>
public static class DocumentsApi
{
    public static IEndpointRouteBuilder MapDocumentsApi(this IEndpointRouteBuilder api)
    {
        var ofAccount = api.MapGroup("/accounts/{accountId}/documents").WithTags("Documents").RequireAuthorization(Policies.Staff);
        ofAccount.MapPost("/", UploadAsync).AcceptsDocumentUpload(api);
        ofAccount.MapGet("/", ListAsync);

        var documents = api.MapGroup("/documents").WithTags("Documents").RequireAuthorization(Policies.Staff);
        documents.MapGet("/{id}", GetAsync);
        documents.MapGet("/{id}/content", DownloadAsync);
        documents.MapDelete("/{id}", DeleteAsync);
        return api;
    }

    /// <summary>Multipart: <c>file</c>, then optionally <c>folder</c> and <c>internal</c> (true/false) before it.</summary>
    private static async Task<Results<Created<StoredDocument>, NotFound>> UploadAsync(string accountId, StaffCaller caller, FirmDocuments firm,
        AccountDocuments documents, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!await AccountExistsAsync(firm, caller.FirmId, accountId, cancellationToken)) return TypedResults.NotFound();
        var document = await MultipartUpload.ReceiveAsync(request, documents, caller.FirmId, accountId, $"staff:{caller.StaffId}",
            fixedFolder: null, fixedInternal: null, cancellationToken);
        request.HttpContext.Response.SetETag(document.ETag);
        return TypedResults.Created($"/api/documents/{document.Id}", document);
    }

    private static async Task<Results<Ok<ListResponse<StoredDocument>>, NotFound, ValidationProblem>> ListAsync(string accountId, string? folder,
        int? pageSize, string? continuationToken, StaffCaller caller, FirmDocuments firm, AccountDocuments documents,
        CancellationToken cancellationToken)
    {
        if (!await AccountExistsAsync(firm, caller.FirmId, accountId, cancellationToken)) return TypedResults.NotFound();
        return await ListPageAsync(documents, caller.FirmId, accountId, folder, includeInternal: true, pageSize, continuationToken,
            cancellationToken);
    }

    private static async Task<Results<Ok<StoredDocument>, NotFound>> GetAsync(string id, StaffCaller caller, FirmDocuments firm,
        AccountDocuments documents, HttpResponse response, CancellationToken cancellationToken)
    {
        var document = await FindAsync(id, caller, firm, documents, cancellationToken);
        if (document is null) return TypedResults.NotFound();
        response.SetETag(document.ETag);
        return TypedResults.Ok(document);
    }

    private static async Task<IResult> DownloadAsync(string id, StaffCaller caller, FirmDocuments firm, AccountDocuments documents,
        HttpResponse response, CancellationToken cancellationToken) =>
        await FindAsync(id, caller, firm, documents, cancellationToken) is { } document
            ? await ContentAsync(documents, caller.FirmId, document, response, cancellationToken)
            : TypedResults.NotFound();

    /// <summary>The row goes first, then the blob (see <see cref="AccountDocuments.DeleteAsync"/>); <c>If-Match</c> is optional.</summary>
    private static async Task<Results<NoContent, NotFound>> DeleteAsync(string id, StaffCaller caller, FirmDocuments firm,
        AccountDocuments documents, HttpRequest request, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, caller, firm, documents, cancellationToken) is null) return TypedResults.NotFound();
        return await documents.DeleteAsync(caller.FirmId, id, request.IfMatch(), cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<StoredDocument?> FindAsync(string id, StaffCaller caller, FirmDocuments firm, AccountDocuments documents,
        CancellationToken cancellationToken)
    {
        var document = await documents.GetAsync(caller.FirmId, id, cancellationToken);
        if (document is null) return null;
        return await AccountExistsAsync(firm, caller.FirmId, document.AccountId, cancellationToken) ? document : null;
    }

    private static async Task<bool> AccountExistsAsync(FirmDocuments firm, FirmId firmId, string accountId, CancellationToken cancellationToken) =>
        await firm.GetAsync<Account>(firmId, DocumentKinds.Account, accountId, cancellationToken) is not null;

    /// <summary>A page of an account's documents, of exactly one folder when <paramref name="folder"/> is given.</summary>
    internal static async Task<Results<Ok<ListResponse<StoredDocument>>, NotFound, ValidationProblem>> ListPageAsync(AccountDocuments documents,
        FirmId firmId, string accountId, string? folder, bool includeInternal, int? pageSize, string? continuationToken,
        CancellationToken cancellationToken)
    {
        if (!DocumentNames.TryNormalizeFolder(folder, out var normalized, out var error))
            return new ValidationErrors().Add("folder", error!).ToResult();
        var page = await documents.ListAsync(firmId, accountId, normalized, includeInternal, HttpConventions.PageSize(pageSize),
            continuationToken, cancellationToken);
        return TypedResults.Ok(page.ToList(d => d));
    }

    /// <summary>
    /// Streams the blob as an attachment under the sanitized name (<c>filename</c> with an ASCII fallback, <c>filename*</c> in
    /// UTF-8, RFC 6266), with <c>nosniff</c> so a browser keeps to the sniffed type we stored.
    /// </summary>
    internal static async Task<IResult> ContentAsync(AccountDocuments documents, FirmId firmId, StoredDocument document, HttpResponse response,
        CancellationToken cancellationToken)
    {
        var download = await documents.OpenReadAsync(firmId, document, cancellationToken);
        if (download is null) return TypedResults.NotFound();
        response.Headers.XContentTypeOptions = "nosniff";
        response.ContentLength = download.Details.ContentLength;
        return TypedResults.Stream(download.Content, document.ContentType, document.Name);
    }
}
