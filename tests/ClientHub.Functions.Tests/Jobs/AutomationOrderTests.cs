using System.Text.Json.Nodes;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

public sealed class AutomationOrderTests(EngineHost host) : IClassFixture<EngineHost>
{
    private static Conditions Needs(params string[] tags) => new(tags);

    [Fact]
    public async Task Clearing_tags_before_a_conditional_automation_makes_it_skip()
    {
        var s = await Scenario.CreateAsync(host);
        var invoice = await s.InvoiceTemplateAsync();
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null,
                new UpdateAccountTags { Clear = true },
                new CreateInvoice { TemplateId = invoice.Id, Conditions = Needs("Business") }),
            Stage("Done"));
        var account = await s.AccountAsync(tags: ["Business"]);

        var jobId = await s.AddJobAsync(account, pipeline);
        var job = await s.SettledAsync(jobId);

        Assert.Equal("idle", job["automation"]!["state"]!.GetValue<string>());
        Assert.Empty(await s.ItemsAsync(jobId));
        var history = await s.HistoryAsync(jobId);
        Assert.Contains(history, h => h!["kind"]!.GetValue<string>() == "automationSkipped" && h["detail"]!.GetValue<string>().Contains("the account lacks tags"));
    }

    [Fact]
    public async Task A_conditional_automation_placed_before_clearing_tags_runs()
    {
        var s = await Scenario.CreateAsync(host);
        var invoice = await s.InvoiceTemplateAsync();
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null,
                new CreateInvoice { TemplateId = invoice.Id, Conditions = Needs("Business") },
                new UpdateAccountTags { Clear = true }),
            Stage("Done"));
        var account = await s.AccountAsync(tags: ["Business"]);

        var jobId = await s.AddJobAsync(account, pipeline);
        var job = await s.SettledAsync(jobId);

        var items = await s.ItemsAsync(jobId);
        Assert.Equal("invoice", Assert.Single(items)!["type"]!.GetValue<string>());
        Assert.Equal(1, job["pendingItems"]!.GetValue<int>());
        var account2 = await s.Api.GetAsync($"/api/accounts/{account.Id}").ExpectAsync(200);
        Assert.Empty(account2["tags"]!.AsArray());
    }

    [Fact]
    public async Task Automations_run_in_their_configured_order_and_each_email_reaches_every_notify_contact()
    {
        var s = await Scenario.CreateAsync(host);
        var first = await s.EmailTemplateAsync(subject: "First for {{contact.firstName}}");
        var second = await s.EmailTemplateAsync(subject: "Second for {{contact.firstName}}");
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null, new SendEmail { TemplateId = first.Id }, new SendEmail { TemplateId = second.Id }),
            Stage("Done"));
        var account = await s.AccountAsync(name: "Order Test", contacts: 2);

        var jobId = await s.AddJobAsync(account, pipeline);
        await s.SettledAsync(jobId);

        var mine = host.SendGrid.Recipients().Where(r => r.To.EndsWith($"-{account.Id}@example.com")).ToList();
        Assert.Equal(4, mine.Count);
        Assert.All(mine.Take(2), m => Assert.StartsWith("First for Contact", m.Subject));
        Assert.All(mine.Skip(2), m => Assert.StartsWith("Second for Contact", m.Subject));
        var log = await s.Api.GetAsync($"/api/emails?jobId={jobId}").ExpectAsync(200);
        Assert.Equal(4, log["items"]!.AsArray().Count);
        Assert.All(log["items"]!.AsArray(), e => Assert.Equal("sent", e!["status"]!.GetValue<string>()));
    }
}
