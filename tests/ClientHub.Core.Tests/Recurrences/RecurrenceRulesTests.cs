using ClientHub.Core.Recurrences;

namespace ClientHub.Core.Tests.Recurrences;

public sealed class RecurrenceRulesTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private static readonly DateTimeOffset April20 = new(2026, 4, 20, 9, 0, 0, TimeSpan.Zero);

    private static Recurrence Monthly(bool paused = false, bool nextOnCompletion = false, int nextPeriod = 0) => new()
    {
        Id = "r", PipelineId = "p", JobTemplateId = "t", AccountIds = ["a"], Frequency = Frequency.Monthly,
        StartDate = new DateOnly(2026, 1, 31), Paused = paused, NextOnCompletion = nextOnCompletion, NextPeriod = nextPeriod,
    };

    [Fact]
    public void Claiming_a_due_period_moves_past_it_and_lists_the_missed_ones_as_skipped()
    {
        var (claimed, due) = RecurrenceRules.Claim(Monthly(), Paris, April20)!.Value;

        Assert.Equal(2, due.Period);
        Assert.Equal(3, claimed.NextPeriod);
        Assert.Equal(["2026-01", "2026-02"], claimed.SkippedPeriods);
        Assert.Equal(new DateTimeOffset(2026, 4, 29, 22, 0, 0, TimeSpan.Zero), RecurrenceRules.NextRunAt(claimed, Paris));
    }

    [Fact]
    public void A_claimed_period_is_not_claimed_again()
    {
        var (claimed, _) = RecurrenceRules.Claim(Monthly(), Paris, April20)!.Value;

        Assert.Null(RecurrenceRules.Claim(claimed, Paris, April20));
    }

    [Fact]
    public void A_paused_recurrence_claims_nothing_and_has_no_next_run()
    {
        Assert.Null(RecurrenceRules.Claim(Monthly(paused: true), Paris, April20));
        Assert.Null(RecurrenceRules.NextRunAt(Monthly(paused: true), Paris));
    }

    [Fact]
    public void Next_on_completion_leaves_only_the_first_period_to_the_calendar()
    {
        Assert.Equal(2, RecurrenceRules.Claim(Monthly(nextOnCompletion: true), Paris, April20)!.Value.Due.Period);
        Assert.Null(RecurrenceRules.Claim(Monthly(nextOnCompletion: true, nextPeriod: 1), Paris, April20));
        Assert.Null(RecurrenceRules.NextRunAt(Monthly(nextOnCompletion: true, nextPeriod: 1), Paris));
    }

    [Fact]
    public void A_new_start_date_starts_a_new_series_but_new_accounts_do_not()
    {
        var before = Monthly(nextPeriod: 3);

        var moved = RecurrenceRules.Changed(before, before with { StartDate = new DateOnly(2026, 2, 15) }, April20);
        var widened = RecurrenceRules.Changed(before, before with { AccountIds = ["a", "b"] }, April20);

        Assert.Equal((1, 0), (moved.Series, moved.NextPeriod));
        Assert.Equal((0, 3), (widened.Series, widened.NextPeriod));
    }

    [Fact]
    public void The_history_detail_names_the_period_and_the_skipped_ones()
    {
        var schedule = Monthly().ScheduleIn(Paris);

        Assert.Equal("recurrence r, period 2026-03; skipped periods 2026-01, 2026-02",
            RecurrenceRules.Detail("r", schedule, new DuePeriod(2, 0, 2)));
        Assert.Equal("recurrence r, period 2026-01", RecurrenceRules.Detail("r", schedule, new DuePeriod(0, 0, 0)));
    }
}
