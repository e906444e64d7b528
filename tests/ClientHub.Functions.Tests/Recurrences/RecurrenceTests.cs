using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Recurrences;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using DurableTask.Core;
using Microsoft.Extensions.DependencyInjection;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Recurrences;

/// <summary>Its own host: these tests move the host's clock.</summary>
public sealed class RecurrenceHost : EngineHost;

public sealed class RecurrenceTests(RecurrenceHost host) : IClassFixture<RecurrenceHost>
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    private HttpClient Clock => host.WithToken(ClientHubHost.BootstrapToken);

    private async Task<DateTimeOffset> NowAsync() => (await Clock.GetAsync("/api/testing/clock").ExpectAsync(200))["now"]!.GetValue<DateTimeOffset>();

    private async Task<DateOnly> TodayInParisAsync() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(await NowAsync(), Paris).DateTime);

    private Task AdvanceAsync(TimeSpan by) =>
        Clock.PostAsJsonAsync("/api/testing/clock", new { advanceBy = XmlConvert.ToString(by) }).ExpectAsync(200);

    private async Task AdvanceToAsync(DateTimeOffset at) => await AdvanceAsync(at - await NowAsync());

    /// <summary>A firm with a two-stage pipeline, a job template naming the period, and <paramref name="accounts"/> accounts.</summary>
    private async Task<(Scenario S, Pipeline Pipeline, string TemplateId, List<string> AccountIds)> FirmAsync(int accounts = 1)
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Bookkeeping"), Stage("Done"));
        var template = await s.TemplateAsync(new JobTemplate { Name = "monthly", JobName = "[ACCOUNT_NAME] [MONTH] [YEAR] [QUARTER]" });
        var ids = new List<string>();
        for (var i = 0; i < accounts; i++) ids.Add((await s.AccountAsync($"Client {i}")).Id);
        return (s, pipeline, template.Id, ids);
    }

    private static async Task<JsonNode> CreateAsync(Scenario s, Pipeline pipeline, string templateId, List<string> accountIds, string frequency,
        DateOnly start, bool nextOnCompletion = false, bool paused = false, int createDaysBefore = 0) =>
        await s.Api.PostAsJsonAsync("/api/recurrences", new
        {
            pipelineId = pipeline.Id, jobTemplateId = templateId, accountIds, frequency, startDate = start, createDaysBefore,
            nextOnCompletion, paused,
        }).ExpectAsync(201);

    private static async Task<List<JsonNode>> JobsAsync(Scenario s, Pipeline pipeline) =>
        [.. (await s.Api.GetAsync($"/api/jobs?pipelineId={pipeline.Id}").ExpectAsync(200))["items"]!.AsArray()
            .Select(j => j!).OrderBy(j => j["dueDate"]!.GetValue<string>())];

    private static async Task<DateTimeOffset?> NextRunAtAsync(Scenario s, string id) =>
        (await s.Api.GetAsync($"/api/recurrences/{id}").ExpectAsync(200))["nextRunAt"]?.GetValue<DateTimeOffset>();

    private static string Id(JsonNode node) => node["id"]!.GetValue<string>();

    [Fact]
    public async Task A_monthly_series_from_January_31_is_due_on_the_last_day_of_February_then_on_March_31()
    {
        var (s, pipeline, templateId, accounts) = await FirmAsync();
        var year = (await TodayInParisAsync()).Year + 1;
        var recurrence = await CreateAsync(s, pipeline, templateId, accounts, "Monthly", new DateOnly(year, 1, 31));

        var dues = new List<DateOnly>();
        for (var period = 0; period < 3; period++)
        {
            var runAt = (await NextRunAtAsync(s, Id(recurrence)))!.Value;
            Assert.Equal(TimeSpan.Zero, TimeZoneInfo.ConvertTime(runAt, Paris).TimeOfDay);
            await AdvanceToAsync(runAt.AddMinutes(1));
            var jobs = await JobsAsync(s, pipeline);
            Assert.Equal(period + 1, jobs.Count);
            dues.Add(DateOnly.Parse(jobs[^1]["dueDate"]!.GetValue<string>()));
        }

        Assert.Equal([new DateOnly(year, 1, 31), new DateOnly(year, 2, DateTime.DaysInMonth(year, 2)), new DateOnly(year, 3, 31)], dues);
        var names = (await JobsAsync(s, pipeline)).Select(j => j["name"]!.GetValue<string>());
        Assert.Equal([$"Client 0 January {year} Q1", $"Client 0 February {year} Q1", $"Client 0 March {year} Q1"], names);
        var history = await s.HistoryAsync(Id((await JobsAsync(s, pipeline))[0]));
        Assert.Equal("recurrence", history[0]!["by"]!["type"]!.GetValue<string>());
        Assert.Equal($"recurrence {Id(recurrence)}, period {year}-01", history[0]!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_weekly_series_across_the_Paris_DST_change_creates_each_job_at_local_midnight_and_not_before()
    {
        var (s, pipeline, templateId, accounts) = await FirmAsync();
        var today = await TodayInParisAsync();
        // The next DST change in Paris (last Sunday of March or October), at least three weeks away.
        var change = Enumerable.Range(21, 400).Select(today.AddDays)
            .First(d => d.DayOfWeek == DayOfWeek.Sunday && d.Month is 3 or 10 && d.AddDays(7).Month != d.Month);
        var start = change.AddDays(-13);
        var recurrence = await CreateAsync(s, pipeline, templateId, accounts, "Weekly", start, createDaysBefore: 1);

        var offsets = new List<TimeSpan>();
        for (var period = 0; period < 4; period++)
        {
            var runAt = (await NextRunAtAsync(s, Id(recurrence)))!.Value;
            var local = TimeZoneInfo.ConvertTime(runAt, Paris);
            Assert.Equal(start.AddDays(7 * period - 1).ToDateTime(TimeOnly.MinValue), local.DateTime);
            offsets.Add(local.Offset);

            await AdvanceToAsync(runAt.AddMinutes(-1));
            Assert.Equal(period, (await JobsAsync(s, pipeline)).Count);
            await AdvanceAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(period + 1, (await JobsAsync(s, pipeline)).Count);
        }
        Assert.Equal(2, offsets.Distinct().Count()); // the series crossed the change, and kept local midnight
    }

    [Fact]
    public async Task After_three_missed_months_catch_up_creates_one_job_per_account_and_records_the_skipped_periods()
    {
        var (s, pipeline, templateId, accounts) = await FirmAsync(accounts: 2);
        var start = (await TodayInParisAsync()).AddDays(2);
        var recurrence = await CreateAsync(s, pipeline, templateId, accounts, "Monthly", start);

        await AdvanceAsync(TimeSpan.FromDays(3 + 31 * 3)); // four periods came due while nothing ticked

        var jobs = await JobsAsync(s, pipeline);
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(start.AddMonths(3).ToString("yyyy-MM-dd"), j["dueDate"]!.GetValue<string>()));
        string[] skipped = [.. Enumerable.Range(0, 3).Select(k => start.AddMonths(k).ToString("yyyy-MM"))];
        var stored = await s.Api.GetAsync($"/api/recurrences/{Id(recurrence)}").ExpectAsync(200);
        Assert.Equal(skipped, stored["skippedPeriods"]!.AsArray().Select(p => p!.GetValue<string>()));
        var added = (await s.HistoryAsync(Id(jobs[0])))[0]!;
        Assert.EndsWith($"skipped periods {string.Join(", ", skipped)}", added["detail"]!.GetValue<string>());

        await AdvanceAsync(TimeSpan.FromDays(1));
        Assert.Equal(2, (await JobsAsync(s, pipeline)).Count); // and no missed period comes later
    }

    [Fact]
    public async Task Two_ticks_at_once_create_one_job_per_account_and_period()
    {
        var (s, pipeline, templateId, accounts) = await FirmAsync(accounts: 3);
        var start = (await TodayInParisAsync()).AddDays(5);
        var recurrence = await CreateAsync(s, pipeline, templateId, accounts, "Monthly", start);
        var runner = host.Services.GetRequiredService<RecurrenceRunner>();
        var period0 = new PeriodJobs(s.Firm.Id, Id(recurrence), 0, 0, start, accounts, "test");

        var created = await Task.WhenAll(
            runner.CreateJobsAsync(period0, CancellationToken.None), runner.CreateJobsAsync(period0, CancellationToken.None));
        Assert.Equal(3, created.Sum());
        await Task.WhenAll(AdvanceAsync(TimeSpan.FromDays(6)), AdvanceAsync(TimeSpan.FromDays(6)));

        var jobs = await JobsAsync(s, pipeline);
        Assert.Equal(3, jobs.Count);
        Assert.Equal(accounts.Order(), jobs.Select(j => j["accountId"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task Next_on_completion_creates_the_next_period_only_once_the_previous_job_is_completed()
    {
        var (s, pipeline, templateId, accounts) = await FirmAsync();
        var start = (await TodayInParisAsync()).AddDays(3);
        var recurrence = await CreateAsync(s, pipeline, templateId, accounts, "Monthly", start, nextOnCompletion: true);
        await AdvanceAsync(TimeSpan.FromDays(4));
        var first = Assert.Single(await JobsAsync(s, pipeline));

        await AdvanceAsync(TimeSpan.FromDays(40));
        Assert.Single(await JobsAsync(s, pipeline));
        Assert.Null(await NextRunAtAsync(s, Id(recurrence)));

        await s.Api.PostAsync($"/api/jobs/{Id(first)}/complete", null).ExpectAsync(200);
        var jobs = await Eventually.HoldsAsync(() => JobsAsync(s, pipeline), j => j.Count == 2, "the next period's job is created");
        Assert.Equal(start.AddMonths(1).ToString("yyyy-MM-dd"), jobs[1]["dueDate"]!.GetValue<string>());
        Assert.EndsWith("after the previous job was completed", (await s.HistoryAsync(Id(jobs[1])))[0]!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_paused_recurrence_creates_nothing_until_it_is_resumed()
    {
        var (s, pipeline, templateId, accounts) = await FirmAsync();
        var start = (await TodayInParisAsync()).AddDays(2);
        var recurrence = await CreateAsync(s, pipeline, templateId, accounts, "Daily", start, paused: true);

        await AdvanceAsync(TimeSpan.FromDays(3));
        Assert.Empty(await JobsAsync(s, pipeline));
        Assert.Null(await NextRunAtAsync(s, Id(recurrence)));

        await s.Api.PatchAsJsonAsync($"/api/recurrences/{Id(recurrence)}", new { paused = false }).ExpectAsync(200);
        await Eventually.HoldsAsync(() => JobsAsync(s, pipeline), j => j.Count == 1, "resuming catches up with the latest day");
        await s.Api.PatchAsJsonAsync($"/api/recurrences/{Id(recurrence)}", new { paused = true }).ExpectAsync(200);
        await AdvanceAsync(TimeSpan.FromDays(3));
        Assert.Single(await JobsAsync(s, pipeline));
    }

    [Fact]
    public async Task A_new_start_date_starts_a_new_series_whose_first_period_gets_its_own_jobs()
    {
        var (s, pipeline, templateId, accounts) = await FirmAsync();
        var recurrence = await CreateAsync(s, pipeline, templateId, accounts, "Monthly", (await TodayInParisAsync()).AddDays(2));
        await AdvanceAsync(TimeSpan.FromDays(3));
        Assert.Single(await JobsAsync(s, pipeline));

        var moved = (await TodayInParisAsync()).AddDays(1);
        await s.Api.PatchAsJsonAsync($"/api/recurrences/{Id(recurrence)}", new { startDate = moved }).ExpectAsync(200);
        await AdvanceAsync(TimeSpan.FromDays(2));

        var jobs = await JobsAsync(s, pipeline);
        Assert.Equal(2, jobs.Count);
        Assert.Equal(moved.ToString("yyyy-MM-dd"), jobs[1]["dueDate"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_deleted_recurrence_ends_its_orchestration_and_creates_nothing_more()
    {
        var (s, pipeline, templateId, accounts) = await FirmAsync();
        var recurrence = await CreateAsync(s, pipeline, templateId, accounts, "Weekly", (await TodayInParisAsync()).AddDays(2));

        await s.Api.DeleteAsync($"/api/recurrences/{Id(recurrence)}").ExpectAsync(204);

        await s.Api.GetAsync($"/api/recurrences/{Id(recurrence)}").ExpectAsync(404);
        var client = host.Services.GetRequiredService<TaskHubClient>();
        await Eventually.HoldsAsync(() => client.GetOrchestrationStateAsync(RecurrenceOrchestrations.InstanceId(s.Firm.Id, Id(recurrence))),
            state => state?.OrchestrationStatus == OrchestrationStatus.Completed, "the orchestration ends");
        await AdvanceAsync(TimeSpan.FromDays(10));
        Assert.Empty(await JobsAsync(s, pipeline));
    }

    [Fact]
    public async Task Another_firms_recurrence_is_not_found()
    {
        var (s, pipeline, templateId, accounts) = await FirmAsync();
        var recurrence = await CreateAsync(s, pipeline, templateId, accounts, "Yearly", (await TodayInParisAsync()).AddDays(30));
        var other = await Scenario.CreateAsync(host);

        await other.Api.GetAsync($"/api/recurrences/{Id(recurrence)}").ExpectAsync(404);
        await other.Api.PatchAsJsonAsync($"/api/recurrences/{Id(recurrence)}", new { paused = true }).ExpectAsync(404);
        await other.Api.DeleteAsync($"/api/recurrences/{Id(recurrence)}").ExpectAsync(404);
        Assert.Empty((await other.Api.GetAsync("/api/recurrences").ExpectAsync(200))["items"]!.AsArray());
        await other.Api.PostAsJsonAsync("/api/recurrences", new
        {
            pipelineId = pipeline.Id, jobTemplateId = templateId, accountIds = accounts, frequency = "Monthly", startDate = "2030-01-01",
        }).ExpectAsync(400);
        Assert.False((await s.Api.GetAsync($"/api/recurrences/{Id(recurrence)}").ExpectAsync(200))["paused"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Invalid_recurrences_are_rejected_with_the_field_at_fault()
    {
        var (s, pipeline, templateId, accounts) = await FirmAsync();
        var email = await s.EmailTemplateAsync();
        object Body(string? pipelineId = null, string? template = null, object? accountIds = null, string frequency = "Monthly",
            int createDaysBefore = 0) =>
            new { pipelineId = pipelineId ?? pipeline.Id, jobTemplateId = template ?? templateId, accountIds = accountIds ?? accounts, frequency,
                startDate = "2030-01-31", createDaysBefore };

        foreach (var (body, field) in new (object, string)[]
                 {
                     (Body(pipelineId: "nosuchpipeline"), "pipelineId"), (Body(template: email.Id), "jobTemplateId"),
                     (Body(accountIds: Array.Empty<string>()), "accountIds"), (Body(accountIds: new[] { "nosuchaccount" }), "accountIds"),
                     (Body(accountIds: Enumerable.Range(0, 1001).Select(i => $"a{i}").ToArray()), "accountIds"),
                     (Body(createDaysBefore: 366), "createDaysBefore"), (Body(createDaysBefore: -1), "createDaysBefore"),
                 })
        {
            var problem = await s.Api.PostAsJsonAsync("/api/recurrences", body).ExpectAsync(400);
            Assert.True(problem["errors"]![field] is not null, $"{field}: {problem}");
        }
        await s.Api.PostAsJsonAsync("/api/recurrences", new { pipelineId = pipeline.Id, frequency = "Hourly" }).ExpectAsync(400);
        await s.Api.PostAsJsonAsync("/api/recurrences", new { pipelineId = pipeline.Id, color = "red" }).ExpectAsync(400);
        var created = await CreateAsync(s, pipeline, templateId, accounts, "Quarterly", new DateOnly(2030, 1, 31));
        await s.Api.PatchAsJsonAsync($"/api/recurrences/{Id(created)}", new { accountIds = Array.Empty<string>() }).ExpectAsync(400);
        await s.Api.PatchAsJsonAsync($"/api/recurrences/{Id(created)}", new { createDaysBefore = 400 }).ExpectAsync(400);
    }
}
