using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

/// <summary>Another firm's ids are simply not found, for reads and writes alike, and lists never show another firm's rows.</summary>
public sealed class CrossFirmIsolationTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task Another_firms_staff_member_is_not_found()
    {
        var (a, b) = await TwoFirmsAsync();
        var member = await host.AddStaffAsync(a);

        await AssertNotFoundAsync(b.Owner, $"/api/staff/{member.Id}", new { name = "Stolen" });
        await b.Owner.PostAsync($"/api/staff/{member.Id}/api-keys", null).ExpectAsync(404);
        await AssertNotListedAsync(b.Owner, "/api/staff", member.Id);
        await a.Owner.GetAsync($"/api/staff/{member.Id}").ExpectAsync(200);
    }

    [Fact]
    public async Task Another_firms_tag_is_not_found()
    {
        var (a, b) = await TwoFirmsAsync();
        var tagId = await a.CreateTagAsync();

        await b.Owner.GetAsync($"/api/tags/{tagId}").ExpectAsync(404);
        await b.Owner.DeleteAsync($"/api/tags/{tagId}").ExpectAsync(404);
        await AssertNotListedAsync(b.Owner, "/api/tags", tagId);
        await a.Owner.GetAsync($"/api/tags/{tagId}").ExpectAsync(200);
    }

    [Fact]
    public async Task Another_firms_tag_names_are_unknown_to_this_firm()
    {
        var (a, b) = await TwoFirmsAsync();
        await a.CreateTagAsync("vip");

        await b.Owner.PostJsonAsync("/api/accounts", new { name = "X", tags = new[] { "vip" } }).ExpectAsync(400);
        await b.CreateTagAsync("vip");
    }

    [Fact]
    public async Task Another_firms_account_and_its_contacts_are_not_found()
    {
        var (a, b) = await TwoFirmsAsync();
        var accountId = await a.CreateAccountAsync();

        await AssertNotFoundAsync(b.Owner, $"/api/accounts/{accountId}", new { name = "Stolen" });
        await b.Owner.PostJsonAsync($"/api/accounts/{accountId}/tags", new { clear = true }).ExpectAsync(404);
        await b.Owner.GetAsync($"/api/accounts/{accountId}/contacts").ExpectAsync(404);
        await b.Owner.PostJsonAsync($"/api/accounts/{accountId}/contacts", new { name = "Spy", email = "spy@example.com" }).ExpectAsync(404);
        await AssertNotListedAsync(b.Owner, "/api/accounts", accountId);
        await a.Owner.GetAsync($"/api/accounts/{accountId}").ExpectAsync(200);
    }

    [Fact]
    public async Task Another_firms_contact_is_not_found()
    {
        var (a, b) = await TwoFirmsAsync();
        var contactId = await a.CreateContactAsync(await a.CreateAccountAsync(), portalAccess: true);

        await AssertNotFoundAsync(b.Owner, $"/api/contacts/{contactId}", new { name = "Stolen" });
        await b.Owner.PostAsync($"/api/contacts/{contactId}/portal-token", null).ExpectAsync(404);
        await a.Owner.GetAsync($"/api/contacts/{contactId}").ExpectAsync(200);
    }

    [Fact]
    public async Task Another_firms_client_facing_status_is_not_found()
    {
        var (a, b) = await TwoFirmsAsync();
        var statusId = await a.CreateStatusAsync();

        await AssertNotFoundAsync(b.Owner, $"/api/client-facing-statuses/{statusId}", new { name = "Stolen" });
        await AssertNotListedAsync(b.Owner, "/api/client-facing-statuses", statusId);
        await a.Owner.GetAsync($"/api/client-facing-statuses/{statusId}").ExpectAsync(200);
    }

    [Theory]
    [InlineData("/api/staff/")]
    [InlineData("/api/tags/")]
    [InlineData("/api/accounts/")]
    [InlineData("/api/contacts/")]
    [InlineData("/api/client-facing-statuses/")]
    public async Task A_malformed_id_is_not_found(string resource)
    {
        var firm = await host.CreateFirmAsync();
        await firm.Owner.GetAsync(resource + "not%20an%20id!").ExpectAsync(404);
        await firm.Owner.DeleteAsync(resource + "x'y").ExpectAsync(404);
    }

    private async Task<(TestFirm A, TestFirm B)> TwoFirmsAsync() => (await host.CreateFirmAsync(), await host.CreateFirmAsync());

    private static async Task AssertNotFoundAsync(HttpClient other, string path, object patch)
    {
        await other.GetAsync(path).ExpectAsync(404);
        await other.PatchJsonAsync(path, patch).ExpectAsync(404);
        await other.DeleteAsync(path).ExpectAsync(404);
    }

    private static async Task AssertNotListedAsync(HttpClient other, string path, string id)
    {
        var list = await other.GetAsync(path).ExpectAsync(200);
        Assert.DoesNotContain(id, list.ItemIds());
    }
}
