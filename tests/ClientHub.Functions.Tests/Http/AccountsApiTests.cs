using System.Net;
using System.Net.Http.Headers;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

public sealed class AccountsApiTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task Creating_an_account_answers_201_with_its_etag_and_location()
    {
        var firm = await host.CreateFirmAsync();
        await firm.CreateTagAsync("VIP");

        var response = await firm.Owner.PostJsonAsync("/api/accounts", new { name = "Acme Ltd", type = "Company", tags = new[] { "vip" } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        var body = await response.ReadJsonAsync();
        Assert.Equal($"/api/accounts/{body.Id()}", response.Headers.Location?.ToString());
        Assert.Equal("Company", body["type"]!.GetValue<string>());
        Assert.Equal(["VIP"], Tags(body));
    }

    [Fact]
    public async Task An_account_with_an_unknown_tag_is_rejected()
    {
        var firm = await host.CreateFirmAsync();
        var body = await firm.Owner.PostJsonAsync("/api/accounts", new { name = "Acme", type = "Company", tags = new[] { "nope" } }).ExpectAsync(400);
        Assert.NotNull(body["errors"]?["tags"]);

        var accountId = await firm.CreateAccountAsync();
        await firm.Owner.PostJsonAsync($"/api/accounts/{accountId}/tags", new { add = new[] { "nope" } }).ExpectAsync(400);
        await firm.Owner.PatchJsonAsync($"/api/accounts/{accountId}", new { tags = new[] { "nope" } }).ExpectAsync(400);
    }

    [Fact]
    public async Task An_unknown_account_type_or_field_is_rejected()
    {
        var firm = await host.CreateFirmAsync();
        await firm.Owner.PostJsonAsync("/api/accounts", new { name = "Acme", type = "Partnership" }).ExpectAsync(400);
        var response = await firm.Owner.PostJsonAsync("/api/accounts", new { name = "Acme", type = "Company", vatNumber = "FR1" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(response.IsProblem());
        Assert.Empty((await firm.Owner.GetAsync("/api/accounts").ExpectAsync(200))["items"]!.AsArray());
    }

    [Fact]
    public async Task An_over_long_name_is_rejected()
    {
        var firm = await host.CreateFirmAsync();
        var body = await firm.Owner.PostJsonAsync("/api/accounts", new { name = new string('a', 201), type = "Company" }).ExpectAsync(400);
        Assert.NotNull(body["errors"]?["name"]);
        await firm.Owner.PostJsonAsync("/api/accounts", new { name = new string('a', 200), type = "Company" }).ExpectAsync(201);
    }

    [Fact]
    public async Task Tag_updates_clear_then_remove_then_add()
    {
        var firm = await host.CreateFirmAsync();
        foreach (var tag in new[] { "a", "b", "c", "d" }) await firm.CreateTagAsync(tag);
        var accountId = await firm.CreateAccountAsync(tags: ["a", "b"]);
        var path = $"/api/accounts/{accountId}/tags";

        Assert.Equal(["a", "b", "c"], Tags(await firm.Owner.PostJsonAsync(path, new { add = new[] { "c", "A" } }).ExpectAsync(200)));
        Assert.Equal(["a", "c"], Tags(await firm.Owner.PostJsonAsync(path, new { remove = new[] { "B", "unknown" } }).ExpectAsync(200)));
        Assert.Equal(["d"], Tags(await firm.Owner.PostJsonAsync(path, new { clear = true, add = new[] { "d" } }).ExpectAsync(200)));
        Assert.Equal(["a"], Tags(await firm.Owner.PostJsonAsync(path, new { add = new[] { "a" }, remove = new[] { "a", "d" } }).ExpectAsync(200)));
        Assert.Equal(["a"], Tags(await firm.Owner.GetAsync($"/api/accounts/{accountId}").ExpectAsync(200)));
    }

    [Fact]
    public async Task Patching_changes_only_the_fields_given()
    {
        var firm = await host.CreateFirmAsync();
        await firm.CreateTagAsync("vip");
        var accountId = await firm.CreateAccountAsync("Acme", "Company", "vip");

        var body = await firm.Owner.PatchJsonAsync($"/api/accounts/{accountId}", new { name = "Acme Group" }).ExpectAsync(200);

        Assert.Equal("Acme Group", body["name"]!.GetValue<string>());
        Assert.Equal("Company", body["type"]!.GetValue<string>());
        Assert.Equal(["vip"], Tags(body));
    }

    [Fact]
    public async Task A_patch_without_If_Match_never_writes_back_tags_another_writer_just_added()
    {
        var firm = await host.CreateFirmAsync();
        var tags = Enumerable.Range(1, 8).Select(i => $"t{i}").ToList();
        foreach (var tag in tags) await firm.CreateTagAsync(tag);
        var accountId = await firm.CreateAccountAsync();

        // Renames race tag additions (as an updateAccountTags automation would race a staff edit).
        await Task.WhenAll(tags.SelectMany(tag => new[]
        {
            firm.Owner.PatchJsonAsync($"/api/accounts/{accountId}", new { name = $"Renamed {tag}" }).ExpectAsync(200),
            firm.Owner.PostJsonAsync($"/api/accounts/{accountId}/tags", new { add = new[] { tag } }).ExpectAsync(200),
        }));

        Assert.Equal(tags, Tags(await firm.Owner.GetAsync($"/api/accounts/{accountId}").ExpectAsync(200)).Order());
    }

    [Fact]
    public async Task A_stale_If_Match_is_a_precondition_failure()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var read = await firm.Owner.GetAsync($"/api/accounts/{accountId}");
        var etag = read.Headers.ETag!;

        var first = await Patch(firm.Owner, accountId, etag, "First");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.NotEqual(etag, first.Headers.ETag);

        var stale = await Patch(firm.Owner, accountId, etag, "Second");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.True(stale.IsProblem());

        var foreign = await Patch(firm.Owner, accountId, new EntityTagHeaderValue("\"never-issued\""), "Second");
        Assert.Equal(HttpStatusCode.PreconditionFailed, foreign.StatusCode);
        var lookalike = await Patch(firm.Owner, accountId, new EntityTagHeaderValue("\"datetime'x'\"", isWeak: true), "Second");
        Assert.Equal(HttpStatusCode.PreconditionFailed, lookalike.StatusCode);

        var fresh = await Patch(firm.Owner, accountId, first.Headers.ETag!, "Second");
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task Lists_page_with_a_continuation_token()
    {
        var firm = await host.CreateFirmAsync();
        for (var i = 0; i < 3; i++) await firm.CreateAccountAsync($"Account {i}");

        var first = await firm.Owner.GetAsync("/api/accounts?pageSize=2").ExpectAsync(200);
        Assert.Equal(2, first["items"]!.AsArray().Count);
        var token = first["continuationToken"]!.GetValue<string>();

        var second = await firm.Owner.GetAsync($"/api/accounts?pageSize=2&continuationToken={Uri.EscapeDataString(token)}").ExpectAsync(200);
        Assert.Single(second["items"]!.AsArray());
        Assert.Null(second["continuationToken"]);
        Assert.Equal(3, first.ItemIds().Concat(second.ItemIds()).Distinct().Count());
    }

    [Fact]
    public async Task Deleting_an_account_deletes_its_contacts()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var contactId = await firm.CreateContactAsync(accountId);

        await firm.Owner.DeleteAsync($"/api/accounts/{accountId}").ExpectAsync(204);

        await firm.Owner.GetAsync($"/api/accounts/{accountId}").ExpectAsync(404);
        await firm.Owner.GetAsync($"/api/contacts/{contactId}").ExpectAsync(404);
        await firm.Owner.DeleteAsync($"/api/accounts/{accountId}").ExpectAsync(404);
    }

    private static string[] Tags(System.Text.Json.Nodes.JsonNode account) =>
        account["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();

    private static Task<HttpResponseMessage> Patch(HttpClient client, string accountId, EntityTagHeaderValue etag, string name)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/accounts/{accountId}") { Content = System.Net.Http.Json.JsonContent.Create(new { name }) };
        request.Headers.IfMatch.Add(etag);
        return client.SendAsync(request);
    }
}
