using System.Net.Http.Json;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Tests.Infrastructure;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

public sealed class JobsApiTests(EngineHost host) : IClassFixture<EngineHost>
{
    [Fact]
    public async Task A_bulk_add_creates_one_job_per_account_named_by_the_job_template()
    {
        var s = await Scenario.CreateAsync(host);
        var status = await s.StatusAsync("Getting started");
        var template = await s.TemplateAsync(new JobTemplate
        {
            Name = "Monthly", JobName = "[ACCOUNT_NAME] bookkeeping [YEAR]", Priority = "High", DueInDays = 10, ClientFacingStatusId = status.Id,
        });
        var pipeline = await s.PipelineAsync(Stage("Start"), Stage("Done"));
        var accounts = new[] { await s.AccountAsync("Alpha"), await s.AccountAsync("Beta"), await s.AccountAsync("Gamma") };

        var created = await s.Api.PostAsJsonAsync("/api/jobs/bulk",
            new { accountIds = accounts.Select(a => a.Id), pipelineId = pipeline.Id, templateId = template.Id }).ExpectAsync(201);

        var jobs = created["items"]!.AsArray();
        Assert.Equal(["Alpha", "Beta", "Gamma"], jobs.Select(j => j!["name"]!.GetValue<string>().Split(' ')[0]));
        Assert.All(jobs, j =>
        {
            Assert.EndsWith($"bookkeeping {DateTime.UtcNow.Year}", j!["name"]!.GetValue<string>());
            Assert.Equal("High", j["priority"]!.GetValue<string>());
            Assert.Equal("Getting started", j["clientFacingStatus"]!["name"]!.GetValue<string>());
            Assert.NotNull(j["dueDate"]);
        });
        var list = await Eventually.HoldsAsync(() => s.Api.GetAsync($"/api/jobs?pipelineId={pipeline.Id}").ExpectAsync(200),
            l => l["items"]!.AsArray().Count == 3, "the three jobs are listed");
        Assert.Equal(accounts.Select(a => a.Id).Order(), list["items"]!.AsArray().Select(j => j!["accountId"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task A_job_for_an_unknown_account_or_stage_is_a_validation_problem()
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Start"), Stage("Done"));
        var account = await s.AccountAsync();

        var unknownAccount = await s.Api.PostAsJsonAsync("/api/jobs", new { accountId = "nosuchaccount", pipelineId = pipeline.Id }).ExpectAsync(400);
        Assert.NotNull(unknownAccount["errors"]!["accountId"]);
        var unknownStage = await s.Api.PostAsJsonAsync("/api/jobs", new { accountId = account.Id, pipelineId = pipeline.Id, stageId = "nosuchstage" }).ExpectAsync(400);
        Assert.NotNull(unknownStage["errors"]!["stageId"]);
    }

    [Fact]
    public async Task A_request_sent_by_hand_joins_the_current_entry_and_completing_it_automoves_the_job()
    {
        var s = await Scenario.CreateAsync(host);
        var template = await s.TaskTemplateAsync();
        var pipeline = await s.PipelineAsync(Stage("Collect", true, null, new CreateTask { TemplateId = template.Id }), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.AtStageAsync(jobId, pipeline.Stages[0]);

        var request = await s.Api.PostAsJsonAsync("/api/requests",
            new { jobId, title = "Bank statements", items = new[] { new { title = "January" }, new { title = "February" } } }).ExpectAsync(201);
        Assert.Equal(2, request["summary"]!["sent"]!.GetValue<int>());
        Assert.Equal(2, (await s.JobAsync(jobId))["pendingItems"]!.GetValue<int>());
        await s.CompleteItemAsync((await s.ItemsAsync(jobId)).Single(i => i!["type"]!.GetValue<string>() == "task")!);
        Assert.Equal("request", request["type"]!.GetValue<string>());
        await s.CompleteItemAsync(request);

        await s.AtStageAsync(jobId, pipeline.Stages[1]);
        var invalid = await s.Api.PostAsJsonAsync("/api/requests", new { jobId, title = "Nothing asked", items = Array.Empty<object>() }).ExpectAsync(400);
        Assert.NotNull(invalid["errors"]!["items"]);
    }

    [Fact]
    public async Task Giving_a_task_a_job_links_it_there_and_the_jobs_items_page()
    {
        var s = await Scenario.CreateAsync(host);
        var template = await s.TaskTemplateAsync();
        var pipeline = await s.PipelineAsync(Stage("Wait", true, null, new CreateTask { TemplateId = template.Id }), Stage("Done"));
        var account = await s.AccountAsync();
        var jobId = await s.AddJobAsync(account, pipeline);
        await s.SettledAsync(jobId);
        var task = await s.Api.PostAsJsonAsync("/api/tasks", new { title = "Call the client" }).ExpectAsync(201);
        var taskId = task["id"]!.GetValue<string>();

        await s.Api.PatchAsJsonAsync($"/api/tasks/{taskId}", new { jobId }).ExpectAsync(200);
        await s.Api.PatchAsJsonAsync($"/api/tasks/{taskId}", new { jobId = "nosuchjob" }).ExpectAsync(400);

        Assert.Equal(2, (await s.JobAsync(jobId))["pendingItems"]!.GetValue<int>());
        var first = await s.Api.GetAsync($"/api/jobs/{jobId}/items?pageSize=1").ExpectAsync(200);
        Assert.Single(first["items"]!.AsArray());
        var token = first["continuationToken"]!.GetValue<string>();
        var second = await s.Api.GetAsync($"/api/jobs/{jobId}/items?pageSize=1&continuationToken={Uri.EscapeDataString(token)}").ExpectAsync(200);
        Assert.Contains(first["items"]!.AsArray().Concat(second["items"]!.AsArray()), i => i!["id"]!.GetValue<string>() == taskId && i["manual"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_job_patch_may_send_back_an_assignee_deleted_since_but_not_add_an_unknown_one()
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Start"), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        var leaver = (await s.Api.PostAsJsonAsync("/api/staff", new { name = "Lee Leaver", email = FirmBuilders.UniqueEmail(), role = "Staff" }).ExpectAsync(201)).Id();
        await s.Api.PatchAsJsonAsync($"/api/jobs/{jobId}", new { assigneeIds = new[] { leaver } }).ExpectAsync(200);
        await s.Api.DeleteAsync($"/api/staff/{leaver}").ExpectAsync(204);

        var read = await s.JobAsync(jobId);
        await s.Api.PatchAsJsonAsync($"/api/jobs/{jobId}", new { name = "Renamed", assigneeIds = read["assigneeIds"] }).ExpectAsync(200);
        var unknown = await s.Api.PatchAsJsonAsync($"/api/jobs/{jobId}", new { assigneeIds = new[] { leaver, "nosuchstaff" } }).ExpectAsync(400);
        Assert.NotNull(unknown["errors"]!["assigneeIds"]);
    }

    [Fact]
    public async Task The_job_list_filters_and_pages_and_history_names_who_completed_and_archived()
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Start"), Stage("Done"));
        var vip = await s.AccountAsync("Vera Important", tags: ["VIP"]);
        var plain = await s.AccountAsync("Paul Plain");
        var assigned = await s.AddJobAsync(vip, pipeline);
        var unassigned = await s.AddJobAsync(plain, pipeline);
        var finished = await s.AddJobAsync(plain, pipeline);
        var staffId = (await s.Api.PostAsJsonAsync("/api/staff", new { name = "Ada Assignee", email = FirmBuilders.UniqueEmail(), role = "Staff" }).ExpectAsync(201)).Id();
        await s.Api.PatchAsJsonAsync($"/api/jobs/{assigned}", new { assigneeIds = new[] { staffId } }).ExpectAsync(200);
        await s.Api.PostAsync($"/api/jobs/{finished}/complete", null).ExpectAsync(200);
        await s.Api.PostAsync($"/api/jobs/{finished}/archive", null).ExpectAsync(200);

        async Task<string[]> IdsAsync(string query) =>
            (await s.Api.GetAsync($"/api/jobs?pipelineId={pipeline.Id}&{query}").ExpectAsync(200)).ItemIds().Order().ToArray();
        Assert.Equal([assigned], await IdsAsync($"assigneeId={staffId}"));
        Assert.Equal([assigned], await IdsAsync("tag=vip"));
        Assert.Equal([finished], await IdsAsync("status=Archived"));
        Assert.Equal(new[] { assigned, unassigned }.Order(), await IdsAsync("status=Active"));
        Assert.Equal([assigned], await IdsAsync("q=important"));

        Assert.Equal(new[] { assigned, unassigned, finished }.Order(), (await s.Api.AllPageIdsAsync($"/api/jobs?pipelineId={pipeline.Id}", pageSize: 1)).Order());

        var history = await s.HistoryAsync(finished);
        Assert.Equal(["added", "completed", "archived"], history.Select(h => h!["kind"]!.GetValue<string>()));
        Assert.All(history.Skip(1), h => Assert.Equal(("staff", s.Firm.OwnerId), (h!["by"]!["type"]!.GetValue<string>(), h["by"]!["id"]!.GetValue<string>())));
    }
}
