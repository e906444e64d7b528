using ClientHub.Core.Clients;
using ClientHub.Core.Firms;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Core;
using ClientHub.Storage;

namespace ClientHub.Functions.Http.Templates;

internal static class FirmReferencesLoader
{
    /// <summary>
    /// Loads what a definition may point at. Staff, statuses and tags are small sets read whole;
    /// templates carry bodies of up to 100,000 characters, so only the referenced ones are read.
    /// </summary>
    public static async Task<FirmReferences> LoadReferencesAsync(this FirmDocuments documents, FirmId firmId,
        IEnumerable<string> templateIds, CancellationToken cancellationToken)
    {
        var staff = documents.ListAllAsync<StaffMember>(firmId, DocumentKinds.Staff, cancellationToken);
        var statuses = documents.ListAllAsync<ClientFacingStatus>(firmId, DocumentKinds.Status, cancellationToken);
        var tags = documents.ListAllAsync<Tag>(firmId, DocumentKinds.Tag, cancellationToken);
        var templates = Task.WhenAll(templateIds.Distinct(StringComparer.Ordinal)
            .Select(id => documents.GetAsync<Template>(firmId, DocumentKinds.Template, id, cancellationToken)));
        await Task.WhenAll(staff, statuses, tags, templates);
        return new FirmReferences
        {
            StaffIds = (await staff).Select(s => s.Id).ToHashSet(StringComparer.Ordinal),
            StatusIds = (await statuses).Select(s => s.Id).ToHashSet(StringComparer.Ordinal),
            TagNames = (await tags).Select(t => t.Name).ToHashSet(StringComparer.OrdinalIgnoreCase),
            TagIds = (await tags).Select(t => t.Id).ToHashSet(StringComparer.Ordinal),
            TemplateKinds = (await templates).OfType<Versioned<Template>>().ToDictionary(t => t.Value.Id, t => t.Value.Kind, StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// Refuses (409) a delete that would leave one of the firm's pipelines or templates naming what no
    /// longer exists: its automations would fail, and a <c>PUT</c> of what <c>GET</c> returned would be
    /// refused. Each definition is validated against the firm with and without <paramref name="without"/>
    /// applied; one that breaks only without it uses what is being deleted.
    /// </summary>
    public static async Task EnsureUnusedAsync(this FirmDocuments documents, FirmId firmId, string what,
        Func<FirmReferences, FirmReferences> without, CancellationToken cancellationToken)
    {
        var pipelinesTask = documents.ListAllAsync<Pipeline>(firmId, DocumentKinds.Pipeline, cancellationToken);
        var templatesTask = documents.ListAllAsync<Template>(firmId, DocumentKinds.Template, cancellationToken);
        var firmTask = documents.LoadReferencesAsync(firmId, [], cancellationToken);
        await Task.WhenAll(pipelinesTask, templatesTask, firmTask);
        var templates = await templatesTask;
        var present = (await firmTask) with { TemplateKinds = templates.ToDictionary(t => t.Id, t => t.Kind, StringComparer.Ordinal) };
        var absent = without(present);
        if ((await pipelinesTask).FirstOrDefault(p => PipelineRules.Validate(p, absent).Count > PipelineRules.Validate(p, present).Count)
            is { } pipeline)
            throw new ConflictException($"The {what} is used by the pipeline \"{pipeline.Name}\" ({pipeline.Id}); remove it from there first.");
        if (templates.FirstOrDefault(t => TemplateRules.Validate(t, absent).Count > TemplateRules.Validate(t, present).Count) is { } template)
            throw new ConflictException($"The {what} is used by the template \"{template.Name}\" ({template.Id}); remove it from there first.");
    }
}
