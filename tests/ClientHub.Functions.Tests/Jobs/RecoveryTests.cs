using System.Net.Http.Json;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

/// <summary>The process "dies" after every transaction, before dispatching its outbox: only the sweeper moves work on.</summary>
public sealed class CrashBeforeDispatchHost : EngineHost
{
    protected override IEnumerable<KeyValuePair<string, string?>> EngineSettings =>
    [
        new("ClientHub:Engine:InlineDispatch", "false"),
        new("ClientHub:Engine:OutboxSweepAge", "00:00:01"),
        new("ClientHub:Engine:OutboxMarkLifetime", "00:00:03"),
        new("ClientHub:Engine:SweepSchedule", "* * * * * *"),
    ];
}

public sealed class CrashRecoveryTests(CrashBeforeDispatchHost host) : IClassFixture<CrashBeforeDispatchHost>
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
        var jobId = await s.AddJobAsync(account, pipeline);

        var job = await s.SettledAsync(jobId, timeoutSeconds: 40);
        Assert.Equal("idle", job["automation"]!["state"]!.GetValue<string>());
        Assert.Single(await s.ItemsAsync(jobId));
        Assert.Single(host.SendGrid.Recipients(), r => r.To.EndsWith($"-{account.Id}@example.com"));

        // The board is a projection written from the outbox too.
        var board = await s.Api.GetAsync($"/api/pipelines/{pipeline.Id}/board").ExpectAsync(200);
        Assert.Contains(board["stages"]![0]!["jobs"]!.AsArray(), j => j!["id"]!.GetValue<string>() == jobId);

        // Once the job's outbox is empty and its mark has settled, the sweeper's index forgets the job.
        var marks = host.Services.GetRequiredService<JobStore>().Marks;
        await Eventually.HoldsAsync(async () =>
        {
            var marked = new List<string>();
            await foreach (var mark in marks.OlderThanAsync(DateTimeOffset.UtcNow.AddMinutes(5), default)) marked.Add(mark.PartitionKey);
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

        await s.Api.PatchAsJsonAsync($"/api/tasks/{taskId}", new { status = "Done" }).ExpectAsync(200);

        await s.AtStageAsync(jobId, pipeline.Stages[1]);
        var link = Assert.Single(await s.ItemsAsync(jobId), i => i!["id"]!.GetValue<string>() == taskId);
        Assert.Equal(("Done", true), (link!["status"]!.GetValue<string>(), link["complete"]!.GetValue<bool>()));
    }
}

/// <summary>Every automation message is enqueued twice.</summary>
public sealed class DuplicateDeliveryHost : EngineHost
{
    protected override IEnumerable<KeyValuePair<string, string?>> EngineSettings => [new("ClientHub:Engine:DuplicateDeliveries", "true")];
}

public sealed class DuplicateDeliveryTests(DuplicateDeliveryHost host) : IClassFixture<DuplicateDeliveryHost>
{
    [Fact]
    public async Task Every_automation_delivered_twice_sends_one_email_and_creates_one_task_and_one_invoice()
    {
        var s = await Scenario.CreateAsync(host);
        var email = await s.EmailTemplateAsync(subject: "Once {{contact.firstName}}");
        var task = await s.TaskTemplateAsync();
        var invoice = await s.InvoiceTemplateAsync();
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null, new SendEmail { TemplateId = email.Id }, new CreateTask { TemplateId = task.Id }, new CreateInvoice { TemplateId = invoice.Id }),
            Stage("Done"));
        var account = await s.AccountAsync();
        var jobId = await s.AddJobAsync(account, pipeline);

        var job = await s.SettledAsync(jobId);
        await Task.Delay(1500); // let the second copies arrive and be discarded
        Assert.Equal(2, job["pendingItems"]!.GetValue<int>());
        var items = await s.ItemsAsync(jobId);
        Assert.Single(items, i => i!["type"]!.GetValue<string>() == "task");
        Assert.Single(items, i => i!["type"]!.GetValue<string>() == "invoice");
        var mails = host.SendGrid.Recipients().Where(r => r.To.EndsWith($"-{account.Id}@example.com")).ToList();
        Assert.Single(mails, m => m.Subject.StartsWith("Once"));
        var history = await s.HistoryAsync(jobId);
        Assert.Equal(3, history.Count(h => h!["kind"]!.GetValue<string>() == "automation"));
    }

    [Fact]
    public async Task An_automation_delivered_twice_schedules_its_reminders_once()
    {
        var s = await Scenario.CreateAsync(host);
        var request = await s.TemplateAsync(new RequestTemplate { Name = "docs", Title = "Your documents", Items = [new("W-2", null)] });
        var pipeline = await s.PipelineAsync(
            Stage("Collect", false, null, new CreateRequest { TemplateId = request.Id, Reminders = new Core.Pipelines.Reminders(true, DaysBetween: 3, Count: 2) }),
            Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);

        await s.SettledAsync(jobId);
        await Task.Delay(1500); // let the second copy arrive and be discarded
        var timers = await host.Services.GetRequiredService<DurableTimers>().DueAsync(DateTimeOffset.UtcNow.AddYears(1), default);
        var timer = Assert.Single(timers, t => t.JobId.Value == jobId);
        Assert.Equal((1, 2), (timer.Sequence, timer.Remaining));
    }
}
