using System.Net.Http.Json;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Tests.Infrastructure;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

public sealed class AutomationKindsTests(EngineHost host) : IClassFixture<EngineHost>
{
    [Fact]
    public async Task Every_item_creating_automation_links_its_item_to_the_entry()
    {
        var s = await Scenario.CreateAsync(host);
        var organizer = await s.TemplateAsync(new OrganizerTemplate { Name = "o", Title = "2026 organizer", Questions = [new("q1", "Did you move?", "yesNo")] });
        var proposal = await s.TemplateAsync(new ProposalTemplate { Name = "p", Title = "Engagement letter", Body = "Terms" });
        var message = await s.TemplateAsync(new MessageTemplate { Name = "m", Subject = "Next steps", Body = "Please", ClientTasks = ["Sign", "Upload"] });
        var note = await s.TemplateAsync(new MessageTemplate { Name = "n", Subject = "FYI", Body = "No action needed" });
        var request = await s.TemplateAsync(new RequestTemplate { Name = "r", Title = "Documents", Items = [new("W-2", null), new("1099", null)] });
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null,
                new CreateOrganizer { TemplateId = organizer.Id },
                new SendProposal { TemplateId = proposal.Id },
                new SendMessage { TemplateId = message.Id },
                new SendMessage { TemplateId = note.Id },
                new CreateRequest { TemplateId = request.Id }),
            Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);

        var job = await s.SettledAsync(jobId);

        var items = await s.ItemsAsync(jobId);
        Assert.Equal(["message", "message", "organizer", "proposal", "request"], items.Select(i => i!["type"]!.GetValue<string>()).Order());
        Assert.All(items, i => Assert.Equal(1, i!["stageEntrySeq"]!.GetValue<int>()));
        // A message without client tasks does not block automove.
        Assert.Equal(4, job["pendingItems"]!.GetValue<int>());
        var requestId = items.Single(i => i!["type"]!.GetValue<string>() == "request")!["id"]!.GetValue<string>();
        var created = await s.Api.GetAsync($"/api/requests/{requestId}").ExpectAsync(200);
        Assert.Equal(2, created["summary"]!["todo"]!.GetValue<int>());
        Assert.Equal("Sent", created["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Assignee_access_and_folder_automations_change_the_job_and_the_account()
    {
        var s = await Scenario.CreateAsync(host);
        var folders = await s.TemplateAsync(new FolderTemplate { Name = "f", Folders = ["2026/Tax", "2026/Payroll"] });
        var ownerId = s.Firm.OwnerId;
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null,
                new UpdateJobAssignees { Add = [ownerId] },
                new UpdateAccountAccess { Grant = [ownerId] },
                new ApplyFolderTemplate { TemplateId = folders.Id },
                new UpdateAccountTags { Add = ["Onboarded"] }),
            Stage("Done"));
        var account = await s.AccountAsync(tags: ["Onboarded"]);
        await s.Api.PostAsJsonAsync($"/api/accounts/{account.Id}/tags", new { clear = true }).ExpectAsync(200);

        var job = await s.SettledAsync(await s.AddJobAsync(account, pipeline));

        Assert.Equal([ownerId], job["assigneeIds"]!.AsArray().Select(a => a!.GetValue<string>()));
        var after = await s.Api.GetAsync($"/api/accounts/{account.Id}").ExpectAsync(200);
        Assert.Equal([ownerId], after["staffAccess"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(["2026/Tax", "2026/Payroll"], after["folders"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(["Onboarded"], after["tags"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public async Task The_board_shows_each_job_under_its_stage_with_its_pending_items()
    {
        var s = await Scenario.CreateAsync(host);
        var task = await s.TaskTemplateAsync();
        var pipeline = await s.PipelineAsync(Stage("Prepare", true, null, new CreateTask { TemplateId = task.Id }), Stage("Done"));
        var account = await s.AccountAsync(name: "Board Client");
        var jobId = await s.AddJobAsync(account, pipeline);
        await s.SettledAsync(jobId);

        var board = await Eventually.HoldsAsync(() => s.Api.GetAsync($"/api/pipelines/{pipeline.Id}/board").ExpectAsync(200),
            b => b["stages"]![0]!["jobs"]!.AsArray().Any(j => j!["pendingItems"]!.GetValue<int>() == 1), "the card shows the pending task");

        var card = board["stages"]![0]!["jobs"]!.AsArray().Single()!;
        Assert.Equal(jobId, card["id"]!.GetValue<string>());
        Assert.Equal("Board Client", card["accountName"]!.GetValue<string>());
        Assert.Empty(board["stages"]![1]!["jobs"]!.AsArray());
        var list = await s.Api.GetAsync($"/api/jobs?pipelineId={pipeline.Id}&stageId={pipeline.Stages[0].Id}").ExpectAsync(200);
        Assert.Equal(jobId, list["items"]!.AsArray().Single()!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_pipeline_with_active_jobs_cannot_be_deleted_until_they_are_archived()
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Start"), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.SettledAsync(jobId);

        var refused = await s.Api.DeleteAsync($"/api/pipelines/{pipeline.Id}");
        Assert.Equal(409, (int)refused.StatusCode);
        Assert.True(refused.IsProblem());

        await s.Api.PostAsync($"/api/jobs/{jobId}/archive", null).ExpectAsync(200);
        await Eventually.HoldsAsync(async () => (int)(await s.Api.DeleteAsync($"/api/pipelines/{pipeline.Id}")).StatusCode, code => code == 204, "the pipeline can be deleted");
    }
}
