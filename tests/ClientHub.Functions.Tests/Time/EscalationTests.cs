using System.Net.Http.Json;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using ClientHub.Storage;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Time;

public sealed class EscalationTests(TimeHost host) : IClassFixture<TimeHost>
{
    private async Task AdvanceAsync(string by) =>
        await host.WithToken(ClientHubHost.BootstrapToken).PostAsJsonAsync("/api/testing/clock", new { advanceBy = by }).ExpectAsync(200);

    private sealed record Escalating(Scenario S, string JobId, string RequestId, TestStaff Assignee, ClientFacingStatus Chasing, Tag Late);

    /// <summary>A job waiting on a request reminded every 3 days, twice, then escalated.</summary>
    private async Task<Escalating> JobAsync()
    {
        var s = await Scenario.CreateAsync(host);
        var assignee = await host.AddStaffAsync(s.Firm);
        var chasing = await s.StatusAsync("We are waiting on you");
        var late = await s.SaveAsync(DocumentKinds.Tag, new Tag(Ids.New(), "Late documents", null), t => t.Id);
        var request = await s.TemplateAsync(new RequestTemplate { Name = "docs", Title = "Your documents", Items = [new("W-2", null)] });
        var reminders = new Core.Pipelines.Reminders(true, DaysBetween: 3, Count: 2)
        {
            Then = new ReminderEscalation(chasing.Id, NotifyAssignees: true, AddTagIds: [late.Id]),
        };
        var pipeline = await s.PipelineAsync(Stage("Collect", true, null, new CreateRequest { TemplateId = request.Id, Reminders = reminders }),
            Stage("Done"));
        var account = await s.AccountAsync();
        var jobId = (await s.Api.PostAsJsonAsync("/api/jobs", new { accountId = account.Id, pipelineId = pipeline.Id, assigneeIds = new[] { assignee.Id } })
            .ExpectAsync(201)).Id();
        await s.SettledAsync(jobId);
        return new Escalating(s, jobId, (await s.ItemsAsync(jobId)).Single()!.Id(), assignee, chasing, late);
    }

    private async Task<int> EscalationsAsync(Escalating e) =>
        (await e.S.HistoryAsync(e.JobId)).Count(h => h!["kind"]!.GetValue<string>() == "escalated");

    [Fact]
    public async Task After_the_last_unanswered_reminder_the_status_changes_the_assignee_is_told_and_the_account_tagged_once()
    {
        var e = await JobAsync();

        await AdvanceAsync("P3D");
        Assert.Equal(0, await EscalationsAsync(e));
        await AdvanceAsync("P3D");

        var job = await e.S.JobAsync(e.JobId);
        Assert.Equal(e.Chasing.Id, job["clientFacingStatus"]!["statusId"]!.GetValue<string>());
        Assert.Equal(1, await EscalationsAsync(e));
        await Eventually.HoldsAsync(() => Task.FromResult(host.SendGrid.Recipients().Count(r => r.To == e.Assignee.Email)), n => n == 1,
            "the assignee is told");
        var account = await e.S.Api.GetAsync($"/api/accounts/{job["accountId"]!.GetValue<string>()}").ExpectAsync(200);
        Assert.Contains("Late documents", account["tags"]!.AsArray().Select(t => t!.GetValue<string>()));

        await AdvanceAsync("P6D");
        Assert.Equal(1, await EscalationsAsync(e));
        Assert.Equal(1, host.SendGrid.Recipients().Count(r => r.To == e.Assignee.Email));
    }

    [Fact]
    public async Task An_item_answered_before_the_last_reminder_is_not_escalated()
    {
        var e = await JobAsync();

        await AdvanceAsync("P4D");
        await e.S.Api.PatchAsJsonAsync($"/api/requests/{e.RequestId}", new { status = "Completed" }).ExpectAsync(200);
        await AdvanceAsync("P6D");

        Assert.Equal(0, await EscalationsAsync(e));
        Assert.DoesNotContain(host.SendGrid.Recipients(), r => r.To == e.Assignee.Email);
    }
}
