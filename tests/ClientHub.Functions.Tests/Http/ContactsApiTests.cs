using System.Net;
using System.Net.Http.Json;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClientHub.Functions.Tests.Http;

public sealed class ContactsApiTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task A_new_contact_is_notified_but_has_no_portal_access_by_default()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();

        var response = await firm.Owner.PostJsonAsync($"/api/accounts/{accountId}/contacts", new { name = "Carla Client", email = "carla@example.com" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        var body = await response.ReadJsonAsync();
        Assert.Equal($"/api/contacts/{body.Id()}", response.Headers.Location?.ToString());
        Assert.True(body["notify"]!.GetValue<bool>());
        Assert.False(body["portalAccess"]!.GetValue<bool>());
        Assert.Equal(accountId, body["accountId"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_account_lists_only_its_own_contacts_as_they_are_now()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var kept = await firm.CreateContactAsync(accountId);
        var removed = await firm.CreateContactAsync(accountId);
        var elsewhere = await firm.CreateContactAsync(await firm.CreateAccountAsync());

        await firm.Owner.PatchJsonAsync($"/api/contacts/{kept}", new { name = "Renamed Person" }).ExpectAsync(200);
        await firm.Owner.DeleteAsync($"/api/contacts/{removed}").ExpectAsync(204);

        var list = await firm.Owner.GetAsync($"/api/accounts/{accountId}/contacts").ExpectAsync(200);
        Assert.Equal([kept], list.ItemIds());
        Assert.Equal("Renamed Person", list["items"]![0]!["name"]!.GetValue<string>());
        Assert.DoesNotContain(elsewhere, list.ItemIds());
        await firm.Owner.DeleteAsync($"/api/contacts/{removed}").ExpectAsync(404);
    }

    [Fact]
    public async Task Patching_a_contact_changes_only_the_fields_given()
    {
        var firm = await host.CreateFirmAsync();
        var contactId = await firm.CreateContactAsync(await firm.CreateAccountAsync(), name: "Carla Client");

        var body = await firm.Owner.PatchJsonAsync($"/api/contacts/{contactId}", new { notify = false }).ExpectAsync(200);

        Assert.False(body["notify"]!.GetValue<bool>());
        Assert.Equal("Carla Client", body["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("carla")]
    [InlineData("carla@")]
    [InlineData("carla example@x.com")]
    public async Task A_contact_needs_a_valid_email(string email)
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var body = await firm.Owner.PostJsonAsync($"/api/accounts/{accountId}/contacts", new { name = "C", email }).ExpectAsync(400);
        Assert.NotNull(body["errors"]?["email"]);

        var contactId = await firm.CreateContactAsync(accountId);
        await firm.Owner.PatchJsonAsync($"/api/contacts/{contactId}", new { email }).ExpectAsync(400);
    }

    [Fact]
    public async Task A_stale_If_Match_on_a_contact_is_a_precondition_failure()
    {
        var firm = await host.CreateFirmAsync();
        var contactId = await firm.CreateContactAsync(await firm.CreateAccountAsync());
        var etag = (await firm.Owner.GetAsync($"/api/contacts/{contactId}")).Headers.ETag!;
        await firm.Owner.PatchJsonAsync($"/api/contacts/{contactId}", new { name = "Changed" }).ExpectAsync(200);

        var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/contacts/{contactId}") { Content = JsonContent.Create(new { name = "Late" }) };
        request.Headers.IfMatch.Add(etag);
        await firm.Owner.SendAsync(request).ExpectAsync(412);
    }

    [Fact]
    public async Task A_portal_token_needs_portal_access()
    {
        var firm = await host.CreateFirmAsync();
        var contactId = await firm.CreateContactAsync(await firm.CreateAccountAsync(), portalAccess: false);

        await firm.Owner.PostAsync($"/api/contacts/{contactId}/portal-token", null).ExpectAsync(409);
    }

    [Fact]
    public async Task A_portal_token_lasts_thirty_days_and_stops_working_when_access_is_withdrawn()
    {
        var firm = await host.CreateFirmAsync();
        var contactId = await firm.CreateContactAsync(await firm.CreateAccountAsync(), portalAccess: true);
        var now = (await host.WithToken(ClientHubHost.BootstrapToken).GetAsync("/api/testing/clock").ExpectAsync(200))["now"]!.GetValue<DateTimeOffset>();

        var body = await firm.Owner.PostAsync($"/api/contacts/{contactId}/portal-token", null).ExpectAsync(201);
        var token = body["token"]!.GetValue<string>();
        Assert.StartsWith("chp_", token);
        Assert.Equal(now.AddDays(30), body["expiresAt"]!.GetValue<DateTimeOffset>(), TimeSpan.FromMinutes(1));
        await host.WithToken(token).GetAsync("/api/portal/documents").ExpectAsync(200);
        // A portal token is no credential for a staff route (401, not 403).
        await host.WithToken(token).GetAsync("/api/staff").ExpectAsync(401);

        await firm.Owner.PatchJsonAsync($"/api/contacts/{contactId}", new { portalAccess = false }).ExpectAsync(200);

        await host.WithToken(token).GetAsync("/api/portal/documents").ExpectAsync(401);
    }

    [Fact]
    public async Task Contacts_of_a_missing_account_are_not_found()
    {
        var firm = await host.CreateFirmAsync();
        await firm.Owner.GetAsync("/api/accounts/aaaaaaaaaaaaaaaaaaaa/contacts").ExpectAsync(404);
        await firm.Owner.PostJsonAsync("/api/accounts/aaaaaaaaaaaaaaaaaaaa/contacts", new { name = "C", email = "c@example.com" }).ExpectAsync(404);
    }

    [Fact]
    public async Task The_engine_reads_an_accounts_contacts_from_storage_in_one_call()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var first = await firm.CreateContactAsync(accountId, portalAccess: true);
        var second = await firm.CreateContactAsync(accountId);
        await firm.CreateContactAsync(await firm.CreateAccountAsync());

        var contacts = await host.Services.GetRequiredService<FirmDocuments>().ListContactsAsync(firm.Id, accountId, CancellationToken.None);

        Assert.Equal(new[] { first, second }.Order(), contacts.Select(c => c.Id).Order());
        Assert.All(contacts, c => Assert.Equal(accountId, c.AccountId));
        Assert.Contains(contacts, c => c.Id == first && c.PortalAccess);
    }
}
