using Azure;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Http.Templates;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Clients;

public sealed record CreateClientFacingStatusRequest(string? Name, string? Description);
public sealed record UpdateClientFacingStatusRequest(string? Name, string? Description);

/// <summary>The statuses a client sees on the portal for a job (job templates and stages point at them by id).</summary>
public static class ClientFacingStatusesApi
{
    public static IEndpointRouteBuilder MapClientFacingStatusesApi(this IEndpointRouteBuilder api)
    {
        var statuses = api.MapGroup("/client-facing-statuses").WithTags("Client-facing statuses").RequireAuthorization(Policies.Staff);
        statuses.MapDocumentReads<ClientFacingStatus>(DocumentKinds.Status);
        statuses.MapPost("/", CreateStatusAsync);
        statuses.MapPatch("/{id}", UpdateStatusAsync);
        statuses.MapDelete("/{id}", DeleteStatusAsync);
        return api;
    }

    private static async Task<Results<Created<ClientFacingStatus>, ValidationProblem>> CreateStatusAsync(CreateClientFacingStatusRequest request,
        StaffCaller caller, FirmDocuments documents, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().Required("name", request.Name).MaxLength("description", request.Description, Limits.Description);
        if (errors.Any) return errors.ToResult();

        var status = new ClientFacingStatus(Ids.New(), request.Name!.Trim(), request.Description ?? "");
        response.SetETag(await documents.InsertAsync(caller.FirmId, DocumentKinds.Status, status.Id, status, cancellationToken));
        return TypedResults.Created($"/api/client-facing-statuses/{status.Id}", status);
    }

    private static async Task<Results<Ok<ClientFacingStatus>, NotFound, ValidationProblem>> UpdateStatusAsync(string id,
        UpdateClientFacingStatusRequest request, StaffCaller caller, FirmDocuments documents, HttpRequest http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().MaxLength("description", request.Description, Limits.Description);
        if (request.Name is not null) errors.Required("name", request.Name);
        if (errors.Any) return errors.ToResult();

        var stored = await documents.GetAsync<ClientFacingStatus>(caller.FirmId, DocumentKinds.Status, id, cancellationToken);
        if (stored is null) return TypedResults.NotFound();
        var updated = stored.Value with
        {
            Name = request.Name?.Trim() ?? stored.Value.Name,
            Description = request.Description ?? stored.Value.Description,
        };
        try
        {
            http.HttpContext.Response.SetETag(
                await documents.ReplaceAsync(caller.FirmId, DocumentKinds.Status, id, updated, http.IfMatch(), cancellationToken));
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(updated);
    }

    private static async Task<Results<NoContent, NotFound>> DeleteStatusAsync(
        string id, StaffCaller caller, FirmDocuments documents, CancellationToken cancellationToken)
    {
        // FirmDocuments.DeleteAsync answers true for a missing row too (the SDK does not throw on a 404 delete), so look first.
        if (await documents.GetAsync<ClientFacingStatus>(caller.FirmId, DocumentKinds.Status, id, cancellationToken) is null)
            return TypedResults.NotFound();
        await documents.EnsureUnusedAsync(caller.FirmId, "status", r => r with { StatusIds = r.StatusIds.Where(s => s != id).ToHashSet() },
            cancellationToken);
        await documents.DeleteAsync(caller.FirmId, DocumentKinds.Status, id, cancellationToken);
        return TypedResults.NoContent();
    }
}
