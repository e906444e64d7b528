using System.Net.Http.Json;
using Azure.Data.Tables;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Jobs;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

/// <summary>A host whose outbox sweeper runs every second on rows a second old, so work a "crash" leaves behind is found fast.</summary>
public sealed class FastSweeperHost : EngineHost
{
    protected override IEnumerable<KeyValuePair<string, string?>> EngineSettings =>
    [
        new("ClientHub:Engine:OutboxSweepAge", "00:00:01"),
        new("ClientHub:Engine:OutboxMarkLifetime", "00:00:03"),
        new("ClientHub:Engine:SweepSchedule", "* * * * * *"),
    ];

    public JobStore Store => Services.GetRequiredService<JobStore>();

    /// <summary>
    /// Adds a job the way the API does, then "dies" between the transaction and its dispatch: the job's
    /// orchestration is not started and its card not projected; only the outbox knows.
    /// </summary>
    public async Task<JobId> AddJobAndCrashAsync(Scenario s, Account account, Pipeline pipeline)
    {
        var draft = new Job
        {
            Id = new JobId(Ids.New()), FirmId = s.Firm.Id, Name = "Left behind", AccountId = account.Id, AccountName = account.Name,
            PipelineId = pipeline.Id, StageId = "",
        };
        var now = DateTimeOffset.UtcNow;
        var added = JobMachine.Add(draft, pipeline, null, null, Actor.System, account, now);
        await Store.CommitAsync(added, expected: null, previous: null, [], now, default);
        return draft.Id;
    }
}

public sealed class CrashRecoveryTests(FastSweeperHost host) : IClassFixture<FastSweeperHost>
{
    [Fact]
    public async Task The_sweeper_finishes_work_left_between_the_transaction_and_its_dispatch_without_duplicates()
    {
        var s = await Scenario.CreateAsync(host);
        var email = await s.EmailTemplateAsync(subject: "Swept {{contact.firstName}}");
        var task = await s.TaskTemplateAsync();
        var pipeline = await s.PipelineAsync(
            Stage("Start", true, null, new SendEmail { TemplateId = email.Id }, new CreateTask { TemplateId = task.Id }),
            Stage("Done"));
        var account = await s.AccountAsync();
        var jobId = (await host.AddJobAndCrashAsync(s, account, pipeline)).Value;

        var job = await s.SettledAsync(jobId, timeoutSeconds: 40);
        Assert.Equal("idle", job["automation"]!["state"]!.GetValue<string>());
        Assert.Single(await s.ItemsAsync(jobId));
        Assert.Single(host.SendGrid.Recipients(), r => r.To.EndsWith($"-{account.Id}@example.com"));

        // The board is a projection written from the outbox too.
        var board = await s.Api.GetAsync($"/api/pipelines/{pipeline.Id}/board").ExpectAsync(200);
        Assert.Contains(board["stages"]![0]!["jobs"]!.AsArray(), j => j!["id"]!.GetValue<string>() == jobId);

        // Once the job's outbox is empty and its mark has settled, the sweeper's index forgets the job.
        await Eventually.HoldsAsync(async () =>
        {
            var marked = new List<string>();
            await foreach (var mark in host.Store.Marks.OlderThanAsync(DateTimeOffset.UtcNow.AddMinutes(5), default)) marked.Add(mark.PartitionKey);
            return marked;
        }, marked => !marked.Any(pk => pk.EndsWith($"|{jobId}")), "the job's outbox mark is removed");
    }

    [Fact]
    public async Task Completing_a_task_linked_by_hand_moves_the_job_even_when_the_process_dies_right_after()
    {
        var s = await Scenario.CreateAsync(host);
        var template = await s.TaskTemplateAsync();
        var pipeline = await s.PipelineAsync(Stage("Wait", true, null, new CreateTask { TemplateId = template.Id }), Stage("Done"));
        var account = await s.AccountAsync();
        var task = await s.Api.PostAsJsonAsync("/api/tasks", new { title = "Call the client", accountId = account.Id }).ExpectAsync(201);
        var taskId = task["id"]!.GetValue<string>();
        var jobId = await s.AddJobAsync(account, pipeline);
        await s.SettledAsync(jobId, timeoutSeconds: 40);
        await s.Api.PostAsJsonAsync($"/api/jobs/{jobId}/items", new { type = "task", id = taskId }).ExpectAsync(200);
        await s.CompleteItemAsync((await s.ItemsAsync(jobId)).Single(i => i!["id"]!.GetValue<string>() != taskId)!);

        // What PATCH /api/tasks/{id} {status: Done} writes, without the dispatch after it: the item and its links outbox row.
        var stored = await host.Store.GetItemAsync(s.Firm.Id, taskId, default);
        var done = (TaskItem)stored!.Value with { Status = Core.Items.TaskStatus.Done };
        var outbox = JobStore.OutboxRowFor(s.Firm.Id, ItemIds.NoJob, new SyncLinkedJobs(taskId, Actor.System), DateTimeOffset.UtcNow);
        await host.Store.CommitItemsAsync(s.Firm.Id, [JobStore.ReplaceItem(s.Firm.Id, done, stored.ETag)], [outbox], default);

        await s.AtStageAsync(jobId, pipeline.Stages[1]);
        var link = Assert.Single(await s.ItemsAsync(jobId), i => i!["id"]!.GetValue<string>() == taskId);
        Assert.Equal(("Done", true), (link!["status"]!.GetValue<string>(), link["complete"]!.GetValue<bool>()));
    }
}

/// <summary>
/// Activities are at-least-once: a re-run (after a crash, or a retry whose first attempt did commit) and two runs at
/// once must leave one effect each. These run the activity's work directly, beside the orchestration that runs it too.
/// </summary>
public sealed class RepeatedActivityTests(FastSweeperHost host) : IClassFixture<FastSweeperHost>
{
    private AutomationStep Step => host.Services.GetRequiredService<AutomationStep>();

    [Fact]
    public async Task Every_automation_run_three_times_at_once_sends_one_email_and_creates_one_task_and_one_invoice()
    {
        var s = await Scenario.CreateAsync(host);
        var email = await s.EmailTemplateAsync(subject: "Once {{contact.firstName}}");
        var task = await s.TaskTemplateAsync();
        var invoice = await s.InvoiceTemplateAsync();
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null,
                new SendEmail { TemplateId = email.Id }, new CreateTask { TemplateId = task.Id }, new CreateInvoice { TemplateId = invoice.Id }),
            Stage("Done"));
        var account = await s.AccountAsync();
        var jobId = await host.AddJobAndCrashAsync(s, account, pipeline);

        // Two runs of the chain race each other before the sweeper wakes the orchestration, which runs it a third time.
        await Task.WhenAll(RunChainAsync(s.Firm.Id, jobId), RunChainAsync(s.Firm.Id, jobId));
        var job = await s.SettledAsync(jobId.Value);
        await Task.Delay(1500); // the orchestration's own runs, woken by the sweeper, find nothing left to do

        Assert.Equal(2, job["pendingItems"]!.GetValue<int>());
        var items = await s.ItemsAsync(jobId.Value);
        Assert.Single(items, i => i!["type"]!.GetValue<string>() == "task");
        Assert.Single(items, i => i!["type"]!.GetValue<string>() == "invoice");
        var mails = host.SendGrid.Recipients().Where(r => r.To.EndsWith($"-{account.Id}@example.com")).ToList();
        Assert.Single(mails, m => m.Subject.StartsWith("Once"));
        var history = await s.HistoryAsync(jobId.Value);
        Assert.Equal(3, history.Count(h => h!["kind"]!.GetValue<string>() == "automation"));
    }

    [Fact]
    public async Task An_automation_run_again_after_it_committed_schedules_its_reminders_once()
    {
        var s = await Scenario.CreateAsync(host);
        var request = await s.TemplateAsync(new RequestTemplate { Name = "docs", Title = "Your documents", Items = [new("W-2", null)] });
        var pipeline = await s.PipelineAsync(
            Stage("Collect", false, null,
                new CreateRequest { TemplateId = request.Id, Reminders = new Core.Pipelines.Reminders(true, DaysBetween: 3, Count: 2) }),
            Stage("Done"));
        var jobId = new JobId(await s.AddJobAsync(await s.AccountAsync(), pipeline));
        await s.SettledAsync(jobId.Value);

        var first = new AutomationRun(s.Firm.Id, jobId, 1, 0, pipeline.Stages[0].Automations[0].Id);
        var progress = await Step.RunAsync(new JobStep(s.Firm.Id, jobId, first), default);

        Assert.Null(progress.Next);
        var due = Assert.Single(progress.Reminders);
        Assert.Equal(1, due.Sequence);
        var reminders = Assert.Single(await host.Store.PendingRemindersAsync(s.Firm.Id, jobId, default));
        Assert.Equal((2, 0), (reminders.Count, reminders.Sent));
        Assert.Single(await s.ItemsAsync(jobId.Value));
    }

    /// <summary>Runs the job's chain as the orchestration would: each step, then whatever the row says comes next.</summary>
    private async Task RunChainAsync(FirmId firmId, JobId jobId)
    {
        var progress = await Step.RunAsync(new JobStep(firmId, jobId, null), default);
        while (progress.Next is { } next) progress = await Step.RunAsync(new JobStep(firmId, jobId, next), default);
    }
}
