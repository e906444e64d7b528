using Azure;
using ClientHub.Core;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Http.Templates;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Pipelines;

/// <summary>Pipeline definitions (API.md "Pipelines"): every staff member reads them, owners and admins write them.</summary>
public static class PipelinesApi
{
    public static IEndpointRouteBuilder MapPipelinesApi(this IEndpointRouteBuilder api)
    {
        var pipelines = api.MapGroup("/pipelines").WithTags("Pipelines").RequireAuthorization(Policies.Staff);
        pipelines.MapDocumentReads<Pipeline>(DocumentKinds.Pipeline);
        pipelines.MapPost("", CreateAsync).Accepts<Pipeline>("application/json").RequireAuthorization(Policies.Admin);
        pipelines.MapPut("/{id}", ReplaceAsync).Accepts<Pipeline>("application/json").RequireAuthorization(Policies.Admin);
        pipelines.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Policies.Admin);
        return api;
    }

    private static async Task<Results<Created<Pipeline>, ValidationProblem>> CreateAsync(
        HttpRequest request, HttpResponse response, StaffCaller caller, FirmDocuments documents, CancellationToken cancellationToken)
    {
        var submitted = await DefinitionJson.ReadAsync<Pipeline>(request, cancellationToken);
        var violations = await ValidateAsync(documents, caller.FirmId, submitted, cancellationToken);
        if (violations.Any()) return violations.ToProblem();

        var pipeline = submitted.WithAssignedIds(Ids.New) with { Id = Ids.New() };
        var etag = await documents.InsertAsync(caller.FirmId, DocumentKinds.Pipeline, pipeline.Id, pipeline, cancellationToken);
        response.SetETag(etag);
        return TypedResults.Created($"/api/pipelines/{pipeline.Id}", pipeline);
    }

    /// <summary>
    /// Stage and automation ids given are kept and absent ones assigned, so jobs keep their place
    /// when a pipeline is edited; the pipeline's own id in the body is ignored.
    /// </summary>
    private static async Task<Results<Ok<Pipeline>, NotFound, ValidationProblem>> ReplaceAsync(
        string id, HttpRequest request, HttpResponse response, StaffCaller caller, FirmDocuments documents, CancellationToken cancellationToken)
    {
        if (await documents.GetAsync<Pipeline>(caller.FirmId, DocumentKinds.Pipeline, id, cancellationToken) is null)
            return TypedResults.NotFound();

        var submitted = await DefinitionJson.ReadAsync<Pipeline>(request, cancellationToken);
        var violations = await ValidateAsync(documents, caller.FirmId, submitted, cancellationToken);
        if (violations.Any()) return violations.ToProblem();

        var pipeline = submitted.WithAssignedIds(Ids.New) with { Id = id };
        try
        {
            var etag = await documents.ReplaceAsync(caller.FirmId, DocumentKinds.Pipeline, id, pipeline, request.IfMatch(), cancellationToken);
            response.SetETag(etag);
            return TypedResults.Ok(pipeline);
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            return TypedResults.NotFound();
        }
    }

    /// <summary>A pipeline with active jobs stays: they would have no stages left to be in.</summary>
    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteAsync(
        string id, StaffCaller caller, FirmDocuments documents, JobCards cards, CancellationToken cancellationToken)
    {
        if (await documents.GetAsync<Pipeline>(caller.FirmId, DocumentKinds.Pipeline, id, cancellationToken) is null)
            return TypedResults.NotFound();
        if ((await cards.BoardAsync(caller.FirmId, id, cancellationToken)).Count > 0)
            return TypedResults.Problem("The pipeline has active jobs; complete, archive or move them first.", statusCode: 409, title: "Conflict");
        return await documents.DeleteAsync(caller.FirmId, DocumentKinds.Pipeline, id, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();
    }

    private static async Task<IReadOnlyList<RuleViolation>> ValidateAsync(FirmDocuments documents, FirmId firmId, Pipeline pipeline,
        CancellationToken cancellationToken)
    {
        var references = await documents.LoadReferencesAsync(firmId, PipelineRules.ReferencedTemplateIds(pipeline), cancellationToken);
        return PipelineRules.Validate(pipeline, references);
    }
}
