using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Firms;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClientHub.Functions.Tests.Infrastructure;

/// <summary>
/// Writes a firm's reference data straight through storage, for features whose tests need staff,
/// tags or statuses without depending on those features' endpoints.
/// </summary>
public static class FirmSeeding
{
    /// <summary>Adds a staff member with an API key and returns its id and a client holding the key.</summary>
    public static async Task<(string Id, HttpClient Client)> AddStaffMemberAsync(this ClientHubHost host, TestFirm firm, StaffRole role)
    {
        var member = new StaffMember(Ids.New(), $"{role} member", $"{role.ToString().ToLowerInvariant()}-{Ids.New()}@example.com", role);
        await host.Services.GetRequiredService<FirmDocuments>().InsertAsync(firm.Id, DocumentKinds.Staff, member.Id, member, CancellationToken.None);
        var (_, apiKey, _) = await host.Services.GetRequiredService<AccessKeys>().CreateStaffKeyAsync(firm.Id, member.Id, CancellationToken.None);
        return (member.Id, host.WithToken(apiKey));
    }

    public static async Task<Tag> AddTagAsync(this ClientHubHost host, TestFirm firm, string name)
    {
        var tag = new Tag(Ids.New(), name, null);
        await host.Services.GetRequiredService<FirmDocuments>().InsertAsync(firm.Id, DocumentKinds.Tag, tag.Id, tag, CancellationToken.None);
        return tag;
    }

    public static async Task<ClientFacingStatus> AddStatusAsync(this ClientHubHost host, TestFirm firm, string name)
    {
        var status = new ClientFacingStatus(Ids.New(), name, null);
        await host.Services.GetRequiredService<FirmDocuments>().InsertAsync(firm.Id, DocumentKinds.Status, status.Id, status, CancellationToken.None);
        return status;
    }
}
