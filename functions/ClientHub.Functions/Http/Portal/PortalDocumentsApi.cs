using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Http.Documents;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Portal;

/// <summary>
/// A client contact's view of its account's documents: those not marked internal. Any other document (another account's,
/// another firm's, an internal one, a malformed id) is simply not found.
/// </summary>
public static class PortalDocumentsApi
{
    public static IEndpointRouteBuilder MapPortalDocumentsApi(this IEndpointRouteBuilder api)
    {
        var documents = api.MapGroup("/portal/documents").WithTags("Portal").RequireAuthorization(Policies.Portal);
        documents.MapGet("/", ListAsync);
        documents.MapGet("/{id}/content", DownloadAsync);
        return api;
    }

    private static Task<Results<Ok<ListResponse<StoredDocument>>, NotFound, ValidationProblem>> ListAsync(string? folder, int? pageSize,
        string? continuationToken, PortalCaller caller, AccountDocuments documents, CancellationToken cancellationToken) =>
        DocumentsApi.ListPageAsync(documents, caller.FirmId, caller.AccountId, folder, includeInternal: false, pageSize, continuationToken,
            cancellationToken);

    private static async Task<IResult> DownloadAsync(string id, PortalCaller caller, AccountDocuments documents, HttpResponse response,
        CancellationToken cancellationToken) =>
        await documents.GetAsync(caller.FirmId, id, cancellationToken) is { Internal: false } document && document.AccountId == caller.AccountId
            ? await DocumentsApi.ContentAsync(documents, caller.FirmId, document, response, cancellationToken)
            : TypedResults.NotFound();
}
