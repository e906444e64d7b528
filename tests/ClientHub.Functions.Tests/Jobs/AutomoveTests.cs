using System.Net.Http.Json;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

public sealed class AutomoveTests(EngineHost host) : IClassFixture<EngineHost>
{
    [Fact]
    public async Task A_job_moves_through_the_whole_pipeline_on_firm_side_completions_alone()
    {
        var s = await Scenario.CreateAsync(host);
        var task = await s.TaskTemplateAsync();
        var invoice = await s.InvoiceTemplateAsync();
        var request = await s.TemplateAsync(new Core.Templates.RequestTemplate { Name = "docs", Title = "Your documents", Items = [new("W-2", null)] });
        var stages = new[]
        {
            Stage("Prepare", true, null, new CreateTask { TemplateId = task.Id }),
            Stage("Collect", true, null, new CreateRequest { TemplateId = request.Id }),
            Stage("Bill", true, null, new CreateInvoice { TemplateId = invoice.Id }),
            Stage("Done"),
        };
        var pipeline = await s.PipelineAsync(stages);
        var account = await s.AccountAsync();
        var jobId = await s.AddJobAsync(account, pipeline);

        foreach (var stage in pipeline.Stages.Take(3))
        {
            var job = await s.AtStageAsync(jobId, stage);
            Assert.Equal(1, job["pendingItems"]!.GetValue<int>());
            var pending = (await s.ItemsAsync(jobId)).Single(i => !i!["complete"]!.GetValue<bool>());
            await s.CompleteItemAsync(pending!);
        }

        var done = await s.AtStageAsync(jobId, pipeline.Stages[3]);
        Assert.Equal("Active", done["status"]!.GetValue<string>());
        var moves = (await s.HistoryAsync(jobId)).Where(h => h!["kind"]!.GetValue<string>() == "moved").ToList();
        Assert.Equal(3, moves.Count);
        Assert.All(moves, m => Assert.Equal("automove", m!["by"]!["type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_partial_payment_does_not_move_the_job_but_paying_in_full_does()
    {
        var s = await Scenario.CreateAsync(host);
        var invoice = await s.InvoiceTemplateAsync(price: 100m);
        var pipeline = await s.PipelineAsync(Stage("Bill", true, null, new CreateInvoice { TemplateId = invoice.Id }), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.AtStageAsync(jobId, pipeline.Stages[0]);
        var id = (await s.ItemsAsync(jobId)).Single()!["id"]!.GetValue<string>();

        var partial = await s.Api.PostAsJsonAsync($"/api/invoices/{id}/payments", new { amount = 40 }).ExpectAsync(200);
        Assert.Equal("PartiallyPaid", partial["status"]!.GetValue<string>());
        await Task.Delay(500);
        Assert.Equal(pipeline.Stages[0].Id, (await s.JobAsync(jobId))["stageId"]!.GetValue<string>());

        await s.Api.PostAsJsonAsync($"/api/invoices/{id}/payments", new { amount = 60 }).ExpectAsync(200);
        await s.AtStageAsync(jobId, pipeline.Stages[1]);
    }

    [Fact]
    public async Task A_paid_invoice_takes_no_further_payment_and_no_amount_can_overflow_it()
    {
        var s = await Scenario.CreateAsync(host);
        var invoice = await s.InvoiceTemplateAsync(price: 100m);
        var pipeline = await s.PipelineAsync(Stage("Bill", false, null, new CreateInvoice { TemplateId = invoice.Id }), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.SettledAsync(jobId);
        var id = (await s.ItemsAsync(jobId)).Single()!["id"]!.GetValue<string>();

        var tooMuch = await s.Api.PostAsJsonAsync($"/api/invoices/{id}/payments", new { amount = decimal.MaxValue }).ExpectAsync(400);
        Assert.NotNull(tooMuch["errors"]!["amount"]);
        await s.Api.PostAsJsonAsync($"/api/invoices/{id}/payments", new { amount = 100 }).ExpectAsync(200);
        await s.Api.PostAsJsonAsync($"/api/invoices/{id}/payments", new { amount = 1 }).ExpectAsync(409);

        var paid = await s.Api.GetAsync($"/api/invoices/{id}").ExpectAsync(200);
        Assert.Equal((100m, "Paid"), (paid["amountPaid"]!.GetValue<decimal>(), paid["status"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Automove_skips_a_stage_whose_tags_the_account_lacks()
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(
            Stage("Start", true),
            Stage("Business only", true, ["Business"]),
            Stage("Everyone", false),
            Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(tags: ["Individual"]), pipeline);

        var job = await s.AtStageAsync(jobId, pipeline.Stages[2]);
        var history = await s.HistoryAsync(jobId);
        Assert.DoesNotContain(history, h => h!["toStageId"]?.GetValue<string>() == pipeline.Stages[1].Id);
        Assert.Equal(2, job["entrySeq"]!.GetValue<int>());
    }

    [Fact]
    public async Task Automove_enters_a_conditional_stage_when_the_account_has_its_tags()
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Start", true), Stage("Business only", false, ["Business"]), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(tags: ["Business"]), pipeline);
        await s.AtStageAsync(jobId, pipeline.Stages[1]);
    }

    [Fact]
    public async Task Reaching_the_last_stage_leaves_the_job_active_until_it_is_completed()
    {
        var s = await Scenario.CreateAsync(host);
        var email = await s.EmailTemplateAsync();
        var pipeline = await s.PipelineAsync(Stage("Start", true), Stage("Last", false, null, new SendEmail { TemplateId = email.Id }));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);

        var job = await s.AtStageAsync(jobId, pipeline.Stages[1]);
        Assert.Equal("Active", job["status"]!.GetValue<string>());
        Assert.Equal("idle", job["automation"]!["state"]!.GetValue<string>());

        var completed = await s.Api.PostAsync($"/api/jobs/{jobId}/complete", null).ExpectAsync(200);
        Assert.Equal("Completed", completed["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_manually_linked_task_holds_the_job_until_it_is_done()
    {
        var s = await Scenario.CreateAsync(host);
        var template = await s.TaskTemplateAsync();
        var pipeline = await s.PipelineAsync(Stage("Wait", true, null, new CreateTask { TemplateId = template.Id }), Stage("Done"));
        var account = await s.AccountAsync();
        var jobId = await s.AddJobAsync(account, pipeline);
        await s.AtStageAsync(jobId, pipeline.Stages[0]);
        var own = (await s.ItemsAsync(jobId)).Single();
        var task = await s.Api.PostAsJsonAsync("/api/tasks", new { title = "Call the client", accountId = account.Id }).ExpectAsync(201);
        var taskId = task["id"]!.GetValue<string>();

        await s.Api.PostAsJsonAsync($"/api/jobs/{jobId}/items", new { type = "task", id = taskId }).ExpectAsync(200);
        var linkedTwice = await s.Api.PostAsJsonAsync($"/api/jobs/{jobId}/items", new { type = "task", id = taskId }).ExpectAsync(200);
        Assert.Equal(2, linkedTwice["pendingItems"]!.GetValue<int>());
        await s.CompleteItemAsync(own!);
        await Task.Delay(500);
        var waiting = await s.JobAsync(jobId);
        Assert.Equal(pipeline.Stages[0].Id, waiting["stageId"]!.GetValue<string>());
        Assert.Equal(1, waiting["pendingItems"]!.GetValue<int>());

        await s.Api.PatchAsJsonAsync($"/api/tasks/{taskId}", new { status = "Done" }).ExpectAsync(200);
        await s.AtStageAsync(jobId, pipeline.Stages[1]);
    }

    [Fact]
    public async Task A_completion_left_behind_in_an_earlier_entry_does_not_move_the_job()
    {
        var s = await Scenario.CreateAsync(host);
        var task = await s.TaskTemplateAsync();
        var pipeline = await s.PipelineAsync(Stage("Prepare", true, null, new CreateTask { TemplateId = task.Id }), Stage("Review"), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.AtStageAsync(jobId, pipeline.Stages[0]);
        var firstTask = (await s.ItemsAsync(jobId)).Single();

        // Move away and back: entry #3 of "Prepare" creates a task of its own.
        var moved = await s.Api.PostAsJsonAsync($"/api/jobs/{jobId}/move", new { stageId = pipeline.Stages[1].Id }).ExpectAsync(200);
        Assert.Single(moved["unfinishedItems"]!.AsArray());
        await s.Api.PostAsJsonAsync($"/api/jobs/{jobId}/move", new { stageId = pipeline.Stages[0].Id }).ExpectAsync(200);
        var again = await s.AtStageAsync(jobId, pipeline.Stages[0]);
        Assert.Equal(3, again["entrySeq"]!.GetValue<int>());
        Assert.Equal(2, (await s.ItemsAsync(jobId)).Count);

        await s.CompleteItemAsync(firstTask!);
        await Task.Delay(1000);
        var job = await s.JobAsync(jobId);
        Assert.Equal(pipeline.Stages[0].Id, job["stageId"]!.GetValue<string>());
        Assert.Equal(1, job["pendingItems"]!.GetValue<int>());
    }
}
