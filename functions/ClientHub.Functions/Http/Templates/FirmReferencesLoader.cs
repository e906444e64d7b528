using ClientHub.Core.Clients;
using ClientHub.Core.Firms;
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
            TemplateKinds = (await templates).OfType<Versioned<Template>>().ToDictionary(t => t.Value.Id, t => t.Value.Kind, StringComparer.Ordinal),
        };
    }
}
