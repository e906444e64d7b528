using ClientHub.Functions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace ClientHub.Functions.Tests.Hosting;

public sealed class TimerTriggerTests(ITestOutputHelper output)
{
    private readonly string _prefix = TriggerTestHost.NewPrefix();

    [Fact]
    public async Task Two_hosts_on_one_storage_run_a_timer_body_once_per_tick()
    {
        var probe = new Probe { HandlerDelay = TimeSpan.FromMilliseconds(300) };
        await using (var first = await StartAsync<RecordingTimer>(probe, "tick", "* * * * * *"))
        await using (var second = await StartAsync<RecordingTimer>(probe, "tick", "* * * * * *"))
        {
            await Task.Delay(TimeSpan.FromSeconds(6));
        }

        var perOccurrence = probe.TimerRuns.GroupBy(run => run.ScheduledFor).ToList();
        Assert.True(perOccurrence.Count >= 4, $"only {perOccurrence.Count} occurrences ran");
        Assert.All(perOccurrence, occurrence => Assert.Single(occurrence));
    }

    [Fact]
    public async Task A_missed_timer_run_runs_once_on_start()
    {
        var probe = new Probe();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2025-03-01T09:59:58Z"));
        await using (var before = await StartAsync<RecordingTimer>(probe, "hourly", "0 0 * * * *", clock))
        {
            await Task.Delay(TimeSpan.FromSeconds(2)); // scheduled for 10:00 before the clock gets there, even on a busy machine
            clock.Advance(TimeSpan.FromSeconds(2));
            await TriggerTestHost.EventuallyAsync(() => probe.TimerRuns.Count == 1, TimeSpan.FromSeconds(5), "the 10:00 run happens");
        }

        clock.SetUtcNow(DateTimeOffset.Parse("2025-03-01T12:30:00Z")); // down over 11:00 and 12:00
        await using (var after = await StartAsync<RecordingTimer>(probe, "hourly", "0 0 * * * *", clock))
        {
            await TriggerTestHost.EventuallyAsync(() => probe.TimerRuns.Count == 2, TimeSpan.FromSeconds(5), "the missed run is caught up");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        Assert.Equal(
            [
                new TimerTriggerInfo("hourly", DateTimeOffset.Parse("2025-03-01T10:00:00Z"), IsPastDue: false),
                new TimerTriggerInfo("hourly", DateTimeOffset.Parse("2025-03-01T11:00:00Z"), IsPastDue: true),
            ],
            probe.TimerRuns);
    }

    [Fact]
    public async Task A_timer_that_never_ran_has_nothing_to_catch_up_on_start()
    {
        var probe = new Probe();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2025-03-01T12:30:00Z"));
        await using (var host = await StartAsync<RecordingTimer>(probe, "hourly", "0 0 * * * *", clock))
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        Assert.Empty(probe.TimerRuns);
    }

    [Fact]
    public async Task A_failing_timer_body_does_not_stop_its_schedule()
    {
        var probe = new Probe();
        await using (var host = await StartAsync<ThrowingTimer>(probe, "flaky", "* * * * * *"))
        {
            await TriggerTestHost.EventuallyAsync(() => probe.TimerRuns.Count >= 3, TimeSpan.FromSeconds(8), "the timer keeps running after failures");
        }
    }

    [Fact]
    public async Task A_clock_that_jumps_forward_runs_the_due_occurrence_once_as_past_due()
    {
        var probe = new Probe();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2025-03-01T09:30:00Z"));
        await using (var host = await StartAsync<RecordingTimer>(probe, "hourly", "0 0 * * * *", clock))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            clock.Advance(TimeSpan.FromHours(3));
            await TriggerTestHost.EventuallyAsync(() => probe.TimerRuns.Count == 1, TimeSpan.FromSeconds(5), "the due occurrence runs");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        var run = Assert.Single(probe.TimerRuns);
        Assert.Equal(DateTimeOffset.Parse("2025-03-01T10:00:00Z"), run.ScheduledFor);
        Assert.True(run.IsPastDue);
    }

    private Task<TriggerTestHost> StartAsync<THandler>(Probe probe, string name, string schedule, TimeProvider? clock = null)
        where THandler : class, ITimerTrigger =>
        TriggerTestHost.StartAsync(
            _prefix,
            services =>
            {
                services.AddSingleton(probe).AddTimerTrigger<THandler>(name, schedule);
                if (clock is not null)
                    services.AddSingleton(clock);
            },
            settings: null,
            output);
}
