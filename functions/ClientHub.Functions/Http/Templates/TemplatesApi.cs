using Azure;
using ClientHub.Core;
using ClientHub.Core.Templates;
using ClientHub.Functions.Http.Auth;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Templates;

/// <summary>Templates automations instantiate; any staff member may write them (API.md "Templates and statuses").</summary>
public static class TemplatesApi
{
    public static IEndpointRouteBuilder MapTemplatesApi(this IEndpointRouteBuilder api)
    {
        var templates = api.MapGroup("/templates").WithTags("Templates").RequireAuthorization(Policies.Staff);
        templates.MapGet("", ListAsync);
        templates.MapPost("", CreateAsync).Accepts<Template>("application/json");
        templates.MapDocumentGet<Template>(DocumentKinds.Template);
        templates.MapPut("/{id}", ReplaceAsync).Accepts<Template>("application/json");
        templates.MapDelete("/{id}", DeleteAsync);
        return api;
    }

    /// <summary>
    /// Filtering by kind happens on each stored page, so a page may hold fewer than
    /// <c>pageSize</c> items (even none) while a continuation token remains; follow the token.
    /// </summary>
    private static async Task<Results<Ok<ListResponse<Template>>, ValidationProblem>> ListAsync(
        StaffCaller caller, FirmDocuments documents, string? kind, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        if (kind is not null && !TemplateKinds.All.Contains(kind))
            return new ValidationErrors().Add("kind", $"One of {string.Join(", ", TemplateKinds.All)}.").ToResult();
        var page = await documents.ListAsync<Template>(caller.FirmId, DocumentKinds.Template, HttpConventions.PageSize(pageSize),
            continuationToken, cancellationToken);
        var items = page.Items.Select(t => t.Value).Where(t => kind is null || t.Kind == kind).ToList();
        return TypedResults.Ok(new ListResponse<Template>(items, page.ContinuationToken));
    }

    private static async Task<Results<Created<Template>, ValidationProblem>> CreateAsync(
        HttpRequest request, HttpResponse response, StaffCaller caller, FirmDocuments documents, CancellationToken cancellationToken)
    {
        var template = (await DefinitionJson.ReadAsync<Template>(request, cancellationToken)) with { Id = Ids.New() };
        var violations = await ValidateAsync(documents, caller.FirmId, template, cancellationToken);
        if (violations.Any()) return violations.ToProblem();

        var etag = await documents.InsertAsync(caller.FirmId, DocumentKinds.Template, template.Id, template, cancellationToken);
        response.SetETag(etag);
        return TypedResults.Created($"/api/templates/{template.Id}", template);
    }

    private static async Task<Results<Ok<Template>, NotFound, ValidationProblem>> ReplaceAsync(
        string id, HttpRequest request, HttpResponse response, StaffCaller caller, FirmDocuments documents, CancellationToken cancellationToken)
    {
        var existing = await documents.GetAsync<Template>(caller.FirmId, DocumentKinds.Template, id, cancellationToken);
        if (existing is null) return TypedResults.NotFound();

        // The id in the body is server-managed and ignored (API.md "PUT accepts what GET returned").
        var template = (await DefinitionJson.ReadAsync<Template>(request, cancellationToken)) with { Id = id };
        // Pipelines check a template's kind when they are saved; changing it afterwards would
        // leave them pointing at a template their automation cannot instantiate.
        if (template.Kind != existing.Value.Kind)
            return new ValidationErrors().Add("kind", $"A template's kind cannot change (it is {existing.Value.Kind}).").ToResult();
        var violations = await ValidateAsync(documents, caller.FirmId, template, cancellationToken);
        if (violations.Any()) return violations.ToProblem();

        try
        {
            var etag = await documents.ReplaceAsync(caller.FirmId, DocumentKinds.Template, id, template, request.IfMatch(), cancellationToken);
            response.SetETag(etag);
            return TypedResults.Ok(template);
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            return TypedResults.NotFound();
        }
    }

    private static async Task<Results<NoContent, NotFound>> DeleteAsync(
        string id, StaffCaller caller, FirmDocuments documents, CancellationToken cancellationToken)
    {
        if (await documents.GetAsync<Template>(caller.FirmId, DocumentKinds.Template, id, cancellationToken) is null)
            return TypedResults.NotFound();
        // A pipeline's automation would fail on every job that enters its stage; a proposal template would lose its invoice.
        await documents.EnsureUnusedAsync(caller.FirmId, "template",
            r => r with { TemplateKinds = r.TemplateKinds.Where(t => t.Key != id).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal) },
            cancellationToken);
        // Read above rather than trusting DeleteAsync's result: TableClient answers a missing row without throwing.
        await documents.DeleteAsync(caller.FirmId, DocumentKinds.Template, id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IReadOnlyList<RuleViolation>> ValidateAsync(FirmDocuments documents, FirmId firmId, Template template,
        CancellationToken cancellationToken)
    {
        var references = await documents.LoadReferencesAsync(firmId, TemplateRules.ReferencedTemplateIds(template), cancellationToken);
        return TemplateRules.Validate(template, references);
    }
}
