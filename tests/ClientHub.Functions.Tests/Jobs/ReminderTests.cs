using System.Net.Http.Json;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Tests.Infrastructure;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

/// <summary>Its own host: these tests move the host's clock.</summary>
public sealed class ReminderHost : EngineHost;

public sealed class ReminderTests(ReminderHost host) : IClassFixture<ReminderHost>
{
    private async Task AdvanceAsync(string by) =>
        await host.WithToken(ClientHubHost.BootstrapToken).PostAsJsonAsync("/api/testing/clock", new { advanceBy = by }).ExpectAsync(200);

    private async Task<List<string>> RemindersAsync(Scenario s, string jobId) =>
        (await s.Api.GetAsync($"/api/emails?jobId={jobId}").ExpectAsync(200))["items"]!.AsArray()
            .Where(e => e!["purpose"]!.GetValue<string>() == "reminder").Select(e => e!["subject"]!.GetValue<string>()).ToList();

    private static async Task<(Scenario, string JobId)> JobWithRequestAsync(ReminderHost host, Core.Pipelines.Reminders reminders)
    {
        var s = await Scenario.CreateAsync(host);
        var request = await s.TemplateAsync(new RequestTemplate { Name = "docs", Title = "Your documents", Items = [new("W-2", null)] });
        var pipeline = await s.PipelineAsync(Stage("Collect", true, null, new CreateRequest { TemplateId = request.Id, Reminders = reminders }), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.SettledAsync(jobId);
        return (s, jobId);
    }

    [Fact]
    public async Task Reminders_go_out_every_days_between_until_their_count_is_reached()
    {
        var (s, jobId) = await JobWithRequestAsync(host, new Core.Pipelines.Reminders(true, DaysBetween: 2, Count: 2));

        await AdvanceAsync("P1D");
        Assert.Empty(await RemindersAsync(s, jobId));
        await AdvanceAsync("P1D");
        Assert.Equal(["Reminder: Test CPA: Your documents"], await RemindersAsync(s, jobId));
        await AdvanceAsync("P2D");
        Assert.Equal(2, (await RemindersAsync(s, jobId)).Count);
        await AdvanceAsync("P10D");
        Assert.Equal(2, (await RemindersAsync(s, jobId)).Count);
    }

    [Fact]
    public async Task Reminders_stop_once_the_item_is_complete()
    {
        var (s, jobId) = await JobWithRequestAsync(host, new Core.Pipelines.Reminders(true, DaysBetween: 3, Count: 3));
        await AdvanceAsync("P3D");
        Assert.Single(await RemindersAsync(s, jobId));

        var request = (await s.ItemsAsync(jobId)).Single()!;
        await s.CompleteItemAsync(request);
        await AdvanceAsync("P10D");

        Assert.Single(await RemindersAsync(s, jobId));
    }

    [Fact]
    public async Task Reminders_stop_when_the_job_is_archived()
    {
        var (s, jobId) = await JobWithRequestAsync(host, new Core.Pipelines.Reminders(true));
        await s.Api.PostAsync($"/api/jobs/{jobId}/archive", null).ExpectAsync(200);

        await AdvanceAsync("P5D");

        Assert.Empty(await RemindersAsync(s, jobId));
    }

    [Fact]
    public async Task A_contact_SendGrid_refuses_for_good_does_not_keep_the_others_from_their_reminders()
    {
        var s = await Scenario.CreateAsync(host);
        var request = await s.TemplateAsync(new RequestTemplate { Name = "docs", Title = "Your documents", Items = [new("W-2", null)] });
        var pipeline = await s.PipelineAsync(Stage("Collect", true, null,
            new CreateRequest { TemplateId = request.Id, Reminders = new Core.Pipelines.Reminders(true, DaysBetween: 2, Count: 2) }), Stage("Done"));
        var account = await s.AccountAsync(contacts: 2);
        var jobId = await s.AddJobAsync(account, pipeline);
        await s.SettledAsync(jobId);
        host.SendGrid.Refused[$"c1-{account.Id}@example.com"] = true;

        await AdvanceAsync("P2D");
        await AdvanceAsync("P2D");
        await AdvanceAsync("P2D");

        var reminded = host.SendGrid.Recipients().Where(r => r.Subject.StartsWith("Reminder:")).Select(r => r.To).ToList();
        Assert.Equal([$"c2-{account.Id}@example.com", $"c2-{account.Id}@example.com"], reminded.Where(to => to.EndsWith($"-{account.Id}@example.com")));
        var log = (await s.Api.GetAsync($"/api/emails?jobId={jobId}").ExpectAsync(200))["items"]!.AsArray();
        Assert.Equal(2, log.Count(e => e!["purpose"]!.GetValue<string>() == "reminder" && e["status"]!.GetValue<string>() == "notSent"));
    }
}
