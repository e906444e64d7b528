using System.Net;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

public sealed class TagsApiTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task Creating_a_tag_answers_201_with_its_etag_and_location()
    {
        var firm = await host.CreateFirmAsync();

        var response = await firm.Owner.PostJsonAsync("/api/tags", new { name = "VIP", color = "#ff0000" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        var body = await response.ReadJsonAsync();
        Assert.Equal($"/api/tags/{body.Id()}", response.Headers.Location?.ToString());
        Assert.Equal("#ff0000", body["color"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tag_names_are_unique_per_firm_ignoring_case()
    {
        var firm = await host.CreateFirmAsync();
        var tagId = await firm.CreateTagAsync("Payroll");

        var response = await firm.Owner.PostJsonAsync("/api/tags", new { name = "payroll " });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.True(response.IsProblem());

        await firm.Owner.DeleteAsync($"/api/tags/{tagId}").ExpectAsync(204);
        await firm.CreateTagAsync("PAYROLL");
    }

    [Fact]
    public async Task Any_staff_member_manages_tags()
    {
        var firm = await host.CreateFirmAsync();
        var staff = await host.AddStaffAsync(firm);

        var tag = await staff.Client.PostJsonAsync("/api/tags", new { name = "by-staff" }).ExpectAsync(201);
        await staff.Client.DeleteAsync($"/api/tags/{tag.Id()}").ExpectAsync(204);
    }

    [Fact]
    public async Task An_over_long_or_empty_tag_name_is_rejected()
    {
        var firm = await host.CreateFirmAsync();
        await firm.Owner.PostJsonAsync("/api/tags", new { name = new string('t', 201) }).ExpectAsync(400);
        await firm.Owner.PostJsonAsync("/api/tags", new { name = " " }).ExpectAsync(400);
        await firm.Owner.PostJsonAsync("/api/tags", new { color = "#000" }).ExpectAsync(400);
    }

    [Fact]
    public async Task Tags_page_with_a_continuation_token()
    {
        var firm = await host.CreateFirmAsync();
        for (var i = 0; i < 3; i++) await firm.CreateTagAsync();

        var first = await firm.Owner.GetAsync("/api/tags?pageSize=2").ExpectAsync(200);
        var second = await firm.Owner.GetAsync($"/api/tags?pageSize=2&continuationToken={Uri.EscapeDataString(first["continuationToken"]!.GetValue<string>())}").ExpectAsync(200);

        Assert.Equal(2, first.ItemIds().Count());
        Assert.Single(second.ItemIds());
        Assert.Null(second["continuationToken"]);
    }
}
