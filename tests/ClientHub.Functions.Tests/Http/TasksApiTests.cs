using System.Net.Http.Json;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

public sealed class TasksApiTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task The_task_list_filters_by_assignee_status_due_date_and_text()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var alex = await host.AddStaffAsync(firm);
        async Task<string> TaskAsync(string title, string? assigneeId, string? dueDate, string status = "Todo") =>
            (await firm.Owner.PostAsJsonAsync("/api/tasks", new { title, accountId, assigneeId, dueDate, status }).ExpectAsync(201)).Id();
        var call = await TaskAsync("Call the client", alex.Id, "2026-12-10");
        var file = await TaskAsync("File the return", alex.Id, "2026-12-20", "Done");
        var review = await TaskAsync("Review the return", null, null);

        async Task<string[]> ListAsync(string query) => (await firm.Owner.GetAsync($"/api/tasks{query}").ExpectAsync(200)).ItemIds().Order().ToArray();

        Assert.Equal(new[] { call, file, review }.Order(), await ListAsync(""));
        Assert.Equal(new[] { call, file }.Order(), await ListAsync($"?assigneeId={alex.Id}"));
        Assert.Equal([file], await ListAsync("?status=Done"));
        Assert.Equal([call], await ListAsync("?dueBefore=2026-12-15"));
        Assert.Equal(new[] { file, review }.Order(), await ListAsync("?q=RETURN"));
    }

    [Fact]
    public async Task The_task_list_pages_with_a_continuation_token()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
            created.Add((await firm.Owner.PostAsJsonAsync("/api/tasks", new { title = $"Task {i}", accountId }).ExpectAsync(201)).Id());

        Assert.Equal(created.Order(), (await firm.Owner.AllPageIdsAsync("/api/tasks", pageSize: 2)).Order());
    }

    [Fact]
    public async Task A_firms_own_to_do_needs_neither_a_job_nor_an_account_and_comes_back_with_its_etag()
    {
        var firm = await host.CreateFirmAsync();

        var created = await firm.Owner.PostAsJsonAsync("/api/tasks", new { title = "Renew the office lease" });

        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        Assert.NotNull(created.Headers.ETag);
        var read = await firm.Owner.GetAsync($"/api/tasks/{(await created.ReadJsonAsync()).Id()}");
        Assert.Equal(created.Headers.ETag, read.Headers.ETag);
    }

    [Fact]
    public async Task A_stale_or_foreign_If_Match_on_a_task_is_a_precondition_failure()
    {
        var firm = await host.CreateFirmAsync();
        var created = await firm.Owner.PostAsJsonAsync("/api/tasks", new { title = "Call the client" });
        var taskId = (await created.ReadJsonAsync()).Id();

        async Task<HttpResponseMessage> PatchAsync(string etag, string title)
        {
            var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/tasks/{taskId}") { Content = JsonContent.Create(new { title }) };
            request.Headers.TryAddWithoutValidation("If-Match", etag);
            return await firm.Owner.SendAsync(request);
        }

        var first = await PatchAsync(created.Headers.ETag!.ToString(), "Call the client today");
        Assert.Equal(System.Net.HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.PreconditionFailed, (await PatchAsync(created.Headers.ETag!.ToString(), "Stale")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.PreconditionFailed, (await PatchAsync("\"garbage\"", "Foreign")).StatusCode);
        Assert.Equal("Call the client today", (await firm.Owner.GetAsync($"/api/tasks/{taskId}").ExpectAsync(200))["title"]!.GetValue<string>());
    }
}
