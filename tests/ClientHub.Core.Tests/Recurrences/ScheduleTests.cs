using ClientHub.Core.Recurrences;
using Microsoft.Extensions.Time.Testing;

namespace ClientHub.Core.Tests.Recurrences;

public sealed class ScheduleTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static Schedule Monthly(DateOnly start, int before = 0) => new(Frequency.Monthly, start, before, Paris);

    [Fact]
    public void A_monthly_series_from_January_31_falls_on_the_last_day_of_February_and_returns_to_March_31()
    {
        var schedule = Monthly(new DateOnly(2026, 1, 31));

        Assert.Equal(
            [new DateOnly(2026, 1, 31), new DateOnly(2026, 2, 28), new DateOnly(2026, 3, 31), new DateOnly(2026, 4, 30), new DateOnly(2026, 5, 31)],
            Enumerable.Range(0, 5).Select(schedule.DateOf));
    }

    [Fact]
    public void A_monthly_series_from_January_31_reaches_February_29_in_a_leap_year()
    {
        Assert.Equal(new DateOnly(2028, 2, 29), Monthly(new DateOnly(2028, 1, 31)).DateOf(1));
    }

    [Fact]
    public void Quarterly_periods_count_three_months_from_the_start()
    {
        var schedule = new Schedule(Frequency.Quarterly, new DateOnly(2026, 1, 31), 0, Paris);

        Assert.Equal([new DateOnly(2026, 4, 30), new DateOnly(2026, 7, 31), new DateOnly(2026, 10, 31), new DateOnly(2027, 1, 31)],
            Enumerable.Range(1, 4).Select(schedule.DateOf));
        Assert.Equal("2026-Q2", schedule.Label(1));
    }

    [Fact]
    public void A_yearly_series_from_February_29_falls_on_February_28_and_returns_to_the_29th_in_leap_years()
    {
        var schedule = new Schedule(Frequency.Yearly, new DateOnly(2024, 2, 29), 0, Paris);

        Assert.Equal([new DateOnly(2025, 2, 28), new DateOnly(2026, 2, 28), new DateOnly(2027, 2, 28), new DateOnly(2028, 2, 29)],
            Enumerable.Range(1, 4).Select(schedule.DateOf));
        Assert.Equal("2028", schedule.Label(4));
    }

    [Fact]
    public void A_weekly_series_across_the_Paris_spring_DST_change_is_created_at_local_midnight_every_week()
    {
        // 2026-03-29: Paris moves from UTC+1 to UTC+2 at 02:00.
        var schedule = new Schedule(Frequency.Weekly, new DateOnly(2026, 3, 16), 2, Paris);

        var created = Enumerable.Range(0, 4).Select(schedule.CreateAt).ToList();

        Assert.All(created, at => Assert.Equal(TimeSpan.Zero, TimeZoneInfo.ConvertTime(at, Paris).TimeOfDay));
        Assert.Equal([new DateTimeOffset(2026, 3, 13, 23, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 20, 23, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 27, 23, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 4, 3, 22, 0, 0, TimeSpan.Zero)], created);
    }

    [Fact]
    public void A_biweekly_series_across_the_autumn_DST_change_keeps_local_midnight()
    {
        var schedule = new Schedule(Frequency.Biweekly, new DateOnly(2026, 10, 19), 0, NewYork);

        Assert.Equal(new DateTimeOffset(2026, 10, 19, 4, 0, 0, TimeSpan.Zero), schedule.CreateAt(0));
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 5, 0, 0, TimeSpan.Zero), schedule.CreateAt(1));
    }

    [Fact]
    public void A_day_whose_midnight_a_DST_change_skips_starts_at_its_first_local_time()
    {
        // Santiago moves its clocks from 00:00 to 01:00 on the first Sunday of September (2026-09-06).
        var santiago = TimeZoneInfo.FindSystemTimeZoneById("America/Santiago");

        var start = Schedule.StartOfDay(new DateOnly(2026, 9, 6), santiago);

        Assert.Equal(new TimeSpan(1, 0, 0), TimeZoneInfo.ConvertTime(start, santiago).TimeOfDay);
    }

    [Fact]
    public void Nothing_is_due_before_the_first_creation_time_and_the_first_period_is_due_at_it()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 27, 12, 0, 0, TimeSpan.Zero));
        var schedule = Monthly(new DateOnly(2026, 1, 31), before: 3);

        Assert.Null(schedule.Due(0, clock.GetUtcNow()));
        clock.SetUtcNow(schedule.CreateAt(0)); // 2026-01-28 00:00 Paris
        Assert.Equal(new DuePeriod(0, 0, 0), schedule.Due(0, clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromDays(20));
        Assert.Null(schedule.Due(1, clock.GetUtcNow()));
    }

    [Fact]
    public void After_three_missed_months_only_the_latest_period_is_due_and_the_others_are_skipped()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 15, 0, 0, 0, TimeSpan.Zero));
        var schedule = Monthly(new DateOnly(2026, 1, 31));

        clock.Advance(TimeSpan.FromDays(95)); // 2026-04-20: January, February and March were missed, April not due yet

        Assert.Equal(new DuePeriod(2, 0, 2), schedule.Due(0, clock.GetUtcNow()));
        Assert.Equal(["2026-01", "2026-02"], RecurrenceRules.Skipped(schedule, new DuePeriod(2, 0, 2)));
    }

    [Fact]
    public void A_daily_series_started_decades_ago_finds_its_due_period_without_walking_every_day()
    {
        var schedule = new Schedule(Frequency.Daily, new DateOnly(1950, 1, 1), 0, Paris);

        var due = schedule.Due(0, new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero))!;

        Assert.Equal(new DateOnly(2026, 6, 1), schedule.DateOf(due.Period));
        Assert.Equal(due.Period, due.SkippedCount);
    }

    [Fact]
    public void Periods_past_the_end_of_the_calendar_are_never_due()
    {
        var schedule = new Schedule(Frequency.Weekly, new DateOnly(9999, 12, 1), 0, Paris);

        var due = schedule.Due(0, DateTimeOffset.MaxValue.AddDays(-1));

        Assert.Equal(new DateOnly(9999, 12, 29), schedule.DateOf(due!.Period));
    }
}
