using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Time;

/// <summary>Its own host: these tests move the host's clock.</summary>
public sealed class TimeHost : EngineHost;

public sealed class DueDateTests(TimeHost host) : IClassFixture<TimeHost>
{
    private async Task AdvanceAsync(string by) =>
        await host.WithToken(ClientHubHost.BootstrapToken).PostAsJsonAsync("/api/testing/clock", new { advanceBy = by }).ExpectAsync(200);

    /// <summary>The firm's today (Europe/Paris, as test firms are made) on the host's clock.</summary>
    private async Task<DateOnly> TodayAsync()
    {
        var now = (await host.WithToken(ClientHubHost.BootstrapToken).GetAsync("/api/testing/clock").ExpectAsync(200))["now"]!
            .GetValue<DateTimeOffset>();
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")).DateTime);
    }

    private static async Task<List<string>> JobIdsAsync(Scenario s, string query) =>
        (await s.Api.GetAsync($"/api/jobs?{query}").ExpectAsync(200)).ItemIds().ToList();

    [Fact]
    public async Task A_job_past_its_due_date_is_overdue_in_its_view_its_card_and_the_list_filters()
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Work"), Stage("Done"));
        var account = await s.AccountAsync();
        var today = await TodayAsync();
        var due = (await s.Api.PostAsJsonAsync("/api/jobs", new { accountId = account.Id, pipelineId = pipeline.Id, dueDate = today.AddDays(1) })
            .ExpectAsync(201)).Id();
        var later = (await s.Api.PostAsJsonAsync("/api/jobs", new { accountId = account.Id, pipelineId = pipeline.Id, dueDate = today.AddDays(30) })
            .ExpectAsync(201)).Id();
        Assert.False((await s.JobAsync(due))["overdue"]!.GetValue<bool>());
        Assert.Empty(await JobIdsAsync(s, $"pipelineId={pipeline.Id}&overdue=true"));

        await AdvanceAsync("P2D");

        Assert.True((await s.JobAsync(due))["overdue"]!.GetValue<bool>());
        Assert.False((await s.JobAsync(later))["overdue"]!.GetValue<bool>());
        Assert.Equal([due], await JobIdsAsync(s, $"pipelineId={pipeline.Id}&overdue=true"));
        Assert.Equal([later], await JobIdsAsync(s, $"pipelineId={pipeline.Id}&dueAfter={today.AddDays(10):yyyy-MM-dd}"));
        var board = await s.Api.GetAsync($"/api/pipelines/{pipeline.Id}/board").ExpectAsync(200);
        var cards = board["stages"]![0]!["jobs"]!.AsArray();
        Assert.True(cards.Single(c => c!.Id() == due)!["overdue"]!.GetValue<bool>());
        // A completed job is not overdue any more.
        await s.Api.PostAsync($"/api/jobs/{due}/complete", null).ExpectAsync(200);
        Assert.False((await s.JobAsync(due))["overdue"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Tasks_come_sorted_by_due_date_and_show_and_filter_overdue()
    {
        var s = await Scenario.CreateAsync(host);
        var today = await TodayAsync();
        async Task<string> TaskAsync(string title, DateOnly? dueDate) =>
            (await s.Api.PostAsJsonAsync("/api/tasks", new { title, dueDate }).ExpectAsync(201)).Id();
        var third = await TaskAsync("No date", null);
        var second = await TaskAsync("Next month", today.AddDays(30));
        var first = await TaskAsync("Tomorrow", today.AddDays(1));
        var done = await TaskAsync("Done already", today.AddDays(1));
        await s.Api.PatchAsJsonAsync($"/api/tasks/{done}", new { status = "Done" }).ExpectAsync(200);

        await AdvanceAsync("P3D");

        var all = (await s.Api.GetAsync("/api/tasks").ExpectAsync(200))["items"]!.AsArray();
        // By due date, then title ("Done already" before "Tomorrow"); no date last.
        Assert.Equal([done, first, second, third], all.Select(t => t!.Id()));
        Assert.True(all.Single(t => t!.Id() == first)!["overdue"]!.GetValue<bool>());
        Assert.False(all.Single(t => t!.Id() == done)!["overdue"]!.GetValue<bool>());
        Assert.Equal([first], (await s.Api.GetAsync("/api/tasks?overdue=true").ExpectAsync(200)).ItemIds());
        Assert.True((await s.Api.GetAsync($"/api/tasks/{first}").ExpectAsync(200))["overdue"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_job_that_outstays_its_stage_s_time_limit_is_flagged_and_its_assignee_emailed_once()
    {
        var s = await Scenario.CreateAsync(host);
        var assignee = await host.AddStaffAsync(s.Firm);
        var pipeline = await s.PipelineAsync(Stage("Review") with { TimeLimitDays = 2 }, Stage("Done"));
        var account = await s.AccountAsync();
        var jobId = (await s.Api.PostAsJsonAsync("/api/jobs", new { accountId = account.Id, pipelineId = pipeline.Id, assigneeIds = new[] { assignee.Id } })
            .ExpectAsync(201)).Id();
        await s.SettledAsync(jobId);
        List<(string To, string Subject)> Told() => host.SendGrid.Recipients().Where(r => r.To == assignee.Email).ToList();

        await AdvanceAsync("P1D");
        Assert.False((await s.JobAsync(jobId))["stageOverdue"]!.GetValue<bool>());
        Assert.Empty(Told());

        await AdvanceAsync("P1DT1H");
        Assert.True((await s.JobAsync(jobId))["stageOverdue"]!.GetValue<bool>());
        await Eventually.HoldsAsync(() => Task.FromResult(Told()), t => t.Count == 1, "the assignee is told");
        var card = (await s.Api.GetAsync($"/api/pipelines/{pipeline.Id}/board").ExpectAsync(200))["stages"]![0]!["jobs"]![0]!;
        Assert.True(card["stageOverdue"]!.GetValue<bool>());
        await AdvanceAsync("P3D");
        Assert.Single(Told());
        Assert.Single(await s.HistoryAsync(jobId), h => h!["kind"]!.GetValue<string>() == "stageOverdue");

        // A new entry starts a new limit: moving on clears the flag.
        await s.Api.PostAsJsonAsync($"/api/jobs/{jobId}/move", new { stageId = pipeline.Stages[1].Id }).ExpectAsync(200);
        Assert.False((await s.JobAsync(jobId))["stageOverdue"]!.GetValue<bool>());
    }
}
