using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

public sealed class HttpHygieneTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task A_body_that_is_not_json_is_an_unsupported_media_type_problem()
    {
        var firm = await host.CreateFirmAsync();
        var response = await firm.Owner.PostAsync("/api/tags", new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_too_large_and_writes_nothing()
    {
        var firm = await host.CreateFirmAsync();
        var response = await firm.Owner.PostAsync("/api/tags",
            new StringContent($$"""{"name":"big","color":"{{new string('x', 1_100_000)}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.True(response.IsProblem());
        var tags = await firm.Owner.GetAsync("/api/tags").ExpectAsync(200);
        Assert.Empty(tags["items"]!.AsArray());
    }

    [Fact]
    public async Task Every_problem_carries_a_detail()
    {
        var firm = await host.CreateFirmAsync();
        var staff = await host.AddStaffAsync(firm);

        foreach (var response in new[]
                 {
                     await firm.Owner.GetAsync("/api/staff/nonexistent"),
                     await host.Anonymous().GetAsync("/api/staff"),
                     await staff.Client.PostAsJsonAsync("/api/staff", new { name = "X", email = FirmBuilders.UniqueEmail(), role = "Staff" }),
                     await firm.Owner.PostAsJsonAsync("/api/tags", new { name = "" }),
                 })
        {
            Assert.True(response.IsProblem(), $"{(int)response.StatusCode} is not a problem");
            Assert.False(string.IsNullOrWhiteSpace((await response.ReadJsonAsync())["detail"]?.GetValue<string>()), $"{(int)response.StatusCode} has no detail");
        }
    }

    [Fact]
    public async Task An_action_without_a_documented_body_takes_an_empty_one_and_rejects_fields()
    {
        var firm = await host.CreateFirmAsync();
        var path = $"/api/staff/{firm.OwnerId}/api-keys";

        await firm.Owner.PostAsync(path, null).ExpectAsync(201);
        await firm.Owner.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json")).ExpectAsync(201);
        var unknown = await firm.Owner.PostAsync(path, new StringContent("""{"expiresAt": "never"}""", Encoding.UTF8, "application/json")).ExpectAsync(400);
        Assert.NotNull(unknown["errors"]!["expiresAt"]);
        await firm.Owner.PostAsync(path, new StringContent("please", Encoding.UTF8, "text/plain")).ExpectAsync(415);
        // An empty body sent chunked (no Content-Length) is no body either.
        await firm.Owner.PostAsync(path, new StreamContent(new UnknownLengthStream())).ExpectAsync(201);
    }

    [Fact]
    public async Task Malformed_json_is_a_bad_request_problem()
    {
        var firm = await host.CreateFirmAsync();
        var response = await firm.Owner.PostAsync("/api/accounts", new StringContent("{\"name\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_api()
    {
        var document = await host.Anonymous().GetAsync("/openapi/v1.json").ExpectAsync(200);
        var paths = document["paths"]!.AsObject();
        Assert.Contains("/api/jobs/{id}/move", paths.Select(p => p.Key));
        Assert.Contains("/api/pipelines", paths.Select(p => p.Key));
    }

    [Fact]
    public async Task The_OpenAPI_document_shows_typed_job_ids_as_the_strings_they_are_on_the_wire()
    {
        var document = await host.Anonymous().GetAsync("/openapi/v1.json").ExpectAsync(200);
        var schemas = document["components"]!["schemas"]!.AsObject();
        var task = schemas["LinkedItemTaskItem"]!["properties"]!;

        Assert.DoesNotContain(schemas, s => s.Key is "JobId" or "FirmId");
        Assert.Equal("""["null","string"]""", task["jobId"]!["type"]!.ToJsonString());
        Assert.Equal("string", task["linkedJobIds"]!["items"]!["type"]!.GetValue<string>());
        Assert.Equal("""["null","string"]""", schemas["EmailLogEntry"]!["properties"]!["jobId"]!["type"]!.ToJsonString());
    }

    [Fact]
    public async Task Another_firms_job_and_items_are_not_found()
    {
        var a = await host.CreateFirmAsync();
        var b = await host.CreateFirmAsync();
        var account = await a.Owner.PostAsJsonAsync("/api/accounts", new { name = "A client", type = "Company", tags = Array.Empty<string>() }).ExpectAsync(201);
        var task = await a.Owner.PostAsJsonAsync("/api/tasks", new { title = "A's task", accountId = account["id"]!.GetValue<string>() }).ExpectAsync(201);
        var taskId = task["id"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.NotFound, (await b.Owner.GetAsync($"/api/tasks/{taskId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.Owner.PatchAsJsonAsync($"/api/tasks/{taskId}", new { status = "Done" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.Owner.GetAsync("/api/jobs/abcdefghijklmnopqrst")).StatusCode);
        var list = await b.Owner.GetAsync("/api/tasks").ExpectAsync(200);
        Assert.Empty(list["items"]!.AsArray());
        Assert.Equal("Todo", (await a.Owner.GetAsync($"/api/tasks/{taskId}").ExpectAsync(200))["status"]!.GetValue<string>());
    }
}

/// <summary>An empty stream that will not tell its length, so HttpClient sends it chunked.</summary>
internal sealed class UnknownLengthStream() : MemoryStream([])
{
    public override bool CanSeek => false;
}
