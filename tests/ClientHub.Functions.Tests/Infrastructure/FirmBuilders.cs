using System.Text.Json.Nodes;

namespace ClientHub.Functions.Tests.Infrastructure;

/// <summary>A staff member created through the API, with a client holding one of their keys.</summary>
public sealed record TestStaff(string Id, string Email, string KeyId, string ApiKey, HttpClient Client);

/// <summary>Test data for a firm, made through the API with sensible defaults; ids come back so tests say only what matters to them.</summary>
public static class FirmBuilders
{
    public static string UniqueEmail(string who = "staff") => $"{who}-{Guid.NewGuid():N}@example.com";

    public static async Task<TestStaff> AddStaffAsync(this ClientHubHost host, TestFirm firm, string role = "Staff", string? email = null)
    {
        email ??= UniqueEmail(role.ToLowerInvariant());
        var member = await firm.Owner.PostJsonAsync("/api/staff", new { name = $"{role} Person", email, role }).ExpectAsync(201);
        var id = member.Id();
        var key = await firm.Owner.PostAsync($"/api/staff/{id}/api-keys", null).ExpectAsync(201);
        var apiKey = key["apiKey"]!.GetValue<string>();
        return new TestStaff(id, email, key.Id(), apiKey, host.WithToken(apiKey));
    }

    public static async Task<string> CreateTagAsync(this TestFirm firm, string? name = null, string color = "#336699") =>
        (await firm.Owner.PostJsonAsync("/api/tags", new { name = name ?? $"tag-{Guid.NewGuid():N}"[..12], color }).ExpectAsync(201)).Id();

    public static async Task<string> CreateAccountAsync(this TestFirm firm, string name = "Acme Ltd", string type = "Company", params string[] tags) =>
        (await firm.Owner.PostJsonAsync("/api/accounts", new { name, type, tags }).ExpectAsync(201)).Id();

    public static async Task<string> CreateContactAsync(this TestFirm firm, string accountId, bool portalAccess = false, string name = "Carla Client") =>
        (await firm.Owner.PostJsonAsync($"/api/accounts/{accountId}/contacts",
            new { name, email = UniqueEmail("contact"), portalAccess }).ExpectAsync(201)).Id();

    public static async Task<string> CreateStatusAsync(this TestFirm firm, string name = "Waiting on you", string description = "We need documents") =>
        (await firm.Owner.PostJsonAsync("/api/client-facing-statuses", new { name, description }).ExpectAsync(201)).Id();

    /// <summary>A portal token of a new contact with portal access on a new account.</summary>
    public static async Task<string> CreatePortalTokenAsync(this TestFirm firm)
    {
        var contactId = await firm.CreateContactAsync(await firm.CreateAccountAsync(), portalAccess: true);
        var body = await firm.Owner.PostAsync($"/api/contacts/{contactId}/portal-token", null).ExpectAsync(201);
        return body["token"]!.GetValue<string>();
    }

    public static string Id(this JsonNode node) => node["id"]!.GetValue<string>();

    public static IEnumerable<string> ItemIds(this JsonNode list) => list["items"]!.AsArray().Select(i => i!.Id());
}
