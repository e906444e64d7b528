using System.Net;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

public sealed class ClientFacingStatusesApiTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task A_status_is_created_read_patched_and_deleted()
    {
        var firm = await host.CreateFirmAsync();
        var create = await firm.Owner.PostJsonAsync("/api/client-facing-statuses", new { name = "In review", description = "We are on it" });
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        Assert.NotNull(create.Headers.ETag);
        var id = (await create.ReadJsonAsync()).Id();
        Assert.Equal($"/api/client-facing-statuses/{id}", create.Headers.Location?.ToString());

        var get = await firm.Owner.GetAsync($"/api/client-facing-statuses/{id}");
        Assert.NotNull(get.Headers.ETag);

        var patched = await firm.Owner.PatchJsonAsync($"/api/client-facing-statuses/{id}", new { name = "Reviewing" }).ExpectAsync(200);
        Assert.Equal("Reviewing", patched["name"]!.GetValue<string>());
        Assert.Equal("We are on it", patched["description"]!.GetValue<string>());

        await firm.Owner.DeleteAsync($"/api/client-facing-statuses/{id}").ExpectAsync(204);
        await firm.Owner.GetAsync($"/api/client-facing-statuses/{id}").ExpectAsync(404);
    }

    [Fact]
    public async Task A_description_is_optional_and_at_most_4000_characters()
    {
        var firm = await host.CreateFirmAsync();
        var body = await firm.Owner.PostJsonAsync("/api/client-facing-statuses", new { name = "Done" }).ExpectAsync(201);
        Assert.Equal("", body["description"]!.GetValue<string>());

        var errors = await firm.Owner.PostJsonAsync("/api/client-facing-statuses", new { name = "Long", description = new string('d', 4001) }).ExpectAsync(400);
        Assert.NotNull(errors["errors"]?["description"]);
        await firm.Owner.PatchJsonAsync($"/api/client-facing-statuses/{body.Id()}", new { description = new string('d', 4001) }).ExpectAsync(400);
    }

    [Fact]
    public async Task Unknown_fields_are_rejected()
    {
        var firm = await host.CreateFirmAsync();
        var id = await firm.CreateStatusAsync();
        await firm.Owner.PostJsonAsync("/api/client-facing-statuses", new { name = "X", colour = "red" }).ExpectAsync(400);
        await firm.Owner.PatchJsonAsync($"/api/client-facing-statuses/{id}", new { id = "other" }).ExpectAsync(400);
    }
}
