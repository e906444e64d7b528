using System.Net.Http.Json;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

public sealed class FailureTests(EngineHost host) : IClassFixture<EngineHost>
{
    [Fact]
    public async Task A_failing_automation_is_poisoned_flags_the_job_and_retry_resumes_without_rerunning_earlier_ones()
    {
        var s = await Scenario.CreateAsync(host);
        var task = await s.TaskTemplateAsync();
        var email = await s.EmailTemplateAsync(subject: "Flaky {{contact.firstName}}");
        var invoice = await s.InvoiceTemplateAsync();
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null, new CreateTask { TemplateId = task.Id }, new SendEmail { TemplateId = email.Id }, new CreateInvoice { TemplateId = invoice.Id }),
            Stage("Done"));
        var account = await s.AccountAsync();

        host.SendGrid.ResponseStatus = 503;
        string jobId;
        try
        {
            jobId = await s.AddJobAsync(account, pipeline);
            var failed = await s.SettledAsync(jobId, timeoutSeconds: 40);
            Assert.Equal("failed", failed["automation"]!["state"]!.GetValue<string>());
            Assert.Contains("503", failed["automation"]!["error"]!.GetValue<string>());
            // The chain halted: the task ran, the invoice did not.
            Assert.Equal("task", Assert.Single(await s.ItemsAsync(jobId))!["type"]!.GetValue<string>());
        }
        finally
        {
            host.SendGrid.ResponseStatus = 202;
        }

        var retried = await s.Api.PostAsync($"/api/jobs/{jobId}/retry", null).ExpectAsync(200);
        Assert.Equal("running", retried["automation"]!["state"]!.GetValue<string>());
        var job = await s.SettledAsync(jobId);

        Assert.Equal("idle", job["automation"]!["state"]!.GetValue<string>());
        var items = await s.ItemsAsync(jobId);
        Assert.Single(items, i => i!["type"]!.GetValue<string>() == "task");
        Assert.Single(items, i => i!["type"]!.GetValue<string>() == "invoice");
        Assert.Single(host.SendGrid.Recipients(), r => r.To.EndsWith($"-{account.Id}@example.com") && r.Subject.StartsWith("Flaky"));
        var kinds = (await s.HistoryAsync(jobId)).Select(h => h!["kind"]!.GetValue<string>()).ToList();
        Assert.Equal(["added", "automation", "automationFailed", "retried", "automation", "automation"], kinds);
    }

    [Fact]
    public async Task A_job_without_a_failure_cannot_be_retried()
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Start"), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.SettledAsync(jobId);

        var response = await s.Api.PostAsync($"/api/jobs/{jobId}/retry", null);
        Assert.Equal(409, (int)response.StatusCode);
        Assert.True(response.IsProblem());
    }
}
