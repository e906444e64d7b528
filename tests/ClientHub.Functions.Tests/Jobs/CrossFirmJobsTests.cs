using System.Net.Http.Json;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

public sealed class CrossFirmJobsTests(EngineHost host) : IClassFixture<EngineHost>
{
    [Fact]
    public async Task Another_firms_jobs_items_and_emails_are_not_found_and_never_listed()
    {
        var a = await Scenario.CreateAsync(host);
        var task = await a.TaskTemplateAsync();
        var invoice = await a.InvoiceTemplateAsync();
        var email = await a.EmailTemplateAsync();
        var pipeline = await a.PipelineAsync(
            Stage("Start", true, null, new SendEmail { TemplateId = email.Id }, new CreateTask { TemplateId = task.Id }, new CreateInvoice { TemplateId = invoice.Id }),
            Stage("Done"));
        var jobId = await a.AddJobAsync(await a.AccountAsync(), pipeline);
        var job = await a.SettledAsync(jobId);
        var items = await a.ItemsAsync(jobId);
        var taskId = items.Single(i => i!["type"]!.GetValue<string>() == "task")!["id"]!.GetValue<string>();
        var invoiceId = items.Single(i => i!["type"]!.GetValue<string>() == "invoice")!["id"]!.GetValue<string>();

        var b = await Scenario.CreateAsync(host);
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
                 {
                     (HttpMethod.Get, $"/api/jobs/{jobId}", null),
                     (HttpMethod.Patch, $"/api/jobs/{jobId}", new { name = "Taken" }),
                     (HttpMethod.Post, $"/api/jobs/{jobId}/move", new { stageId = pipeline.Stages[1].Id }),
                     (HttpMethod.Post, $"/api/jobs/{jobId}/complete", null),
                     (HttpMethod.Post, $"/api/jobs/{jobId}/archive", null),
                     (HttpMethod.Post, $"/api/jobs/{jobId}/retry", null),
                     (HttpMethod.Get, $"/api/jobs/{jobId}/history", null),
                     (HttpMethod.Get, $"/api/jobs/{jobId}/items", null),
                     (HttpMethod.Get, $"/api/pipelines/{pipeline.Id}/board", null),
                     (HttpMethod.Get, $"/api/tasks/{taskId}", null),
                     (HttpMethod.Patch, $"/api/tasks/{taskId}", new { status = "Done" }),
                     (HttpMethod.Get, $"/api/invoices/{invoiceId}", null),
                     (HttpMethod.Post, $"/api/invoices/{invoiceId}/payments", new { amount = 1 }),
                 })
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            var response = await b.Api.SendAsync(request);
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.NotFound, $"{method} {path} answered {(int)response.StatusCode}");
        }
        // B's own job may not take A's task as a linked item either.
        var own = await b.AddJobAsync(await b.AccountAsync(), await b.PipelineAsync(Stage("Start"), Stage("Done")));
        await b.Api.PostAsJsonAsync($"/api/jobs/{own}/items", new { type = "task", id = taskId }).ExpectAsync(400);

        foreach (var list in new[] { "/api/jobs", $"/api/jobs?pipelineId={pipeline.Id}", "/api/tasks", "/api/emails", $"/api/emails?jobId={jobId}" })
        {
            var page = await b.Api.GetAsync(list).ExpectAsync(200);
            Assert.DoesNotContain(page["items"]!.AsArray(), i => i!.ToJsonString().Contains(jobId));
        }

        // Nothing of A's changed.
        var after = await a.JobAsync(jobId);
        Assert.Equal((job["name"]!.GetValue<string>(), job["stageId"]!.GetValue<string>(), "Active"),
            (after["name"]!.GetValue<string>(), after["stageId"]!.GetValue<string>(), after["status"]!.GetValue<string>()));
        Assert.Equal("Unpaid", (await a.Api.GetAsync($"/api/invoices/{invoiceId}").ExpectAsync(200))["status"]!.GetValue<string>());
    }
}
