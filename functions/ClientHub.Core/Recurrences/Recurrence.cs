namespace ClientHub.Core.Recurrences;

/// <summary>
/// A recurring job: every period of its schedule, one job per account from the job template, in the pipeline.
/// Stored as a firm document; its orchestration creates the jobs.
/// </summary>
public sealed record Recurrence
{
    public required string Id { get; init; }
    public required string PipelineId { get; init; }
    public required string JobTemplateId { get; init; }
    public required IReadOnlyList<string> AccountIds { get; init; }
    public required Frequency Frequency { get; init; }
    public required DateOnly StartDate { get; init; }
    public int CreateDaysBefore { get; init; }

    /// <summary>After the first period, an account's next job comes when its previous one is completed, not by the calendar.</summary>
    public bool NextOnCompletion { get; init; }

    public bool Paused { get; init; }

    /// <summary>
    /// Grows when the frequency or start date changes: period numbers then mean other dates, so a new series starts at
    /// period 0 and the jobs it creates get other ids than the old series'.
    /// </summary>
    public int Series { get; init; }

    /// <summary>The first period of the series whose jobs have not been claimed yet.</summary>
    public int NextPeriod { get; init; }

    /// <summary>Periods missed while the host was down (or the clock jumped): catch-up created only the latest; newest last.</summary>
    public IReadOnlyList<string> SkippedPeriods { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public Schedule ScheduleIn(TimeZoneInfo zone) => new(Frequency, StartDate, CreateDaysBefore, zone);
}

/// <summary>The recurrence and period that created a job; a completion of the job may create the next period's.</summary>
public sealed record JobRecurrence(string RecurrenceId, int Series, int Period);

/// <summary>What a recurrence does when it looks at the time: pure decisions on plain values.</summary>
public static class RecurrenceRules
{
    /// <summary>How many skipped periods the recurrence keeps listed (the oldest are dropped first).</summary>
    public const int SkippedKept = 100;

    /// <summary>
    /// The period whose jobs are due by <paramref name="now"/>, and the recurrence with it claimed (<see cref="Recurrence.NextPeriod"/>
    /// past it, the missed ones before it listed as skipped); null when nothing is due, it is paused, or (next on completion)
    /// the calendar's part, the first period, is done.
    /// </summary>
    public static (Recurrence Claimed, DuePeriod Due)? Claim(Recurrence recurrence, TimeZoneInfo zone, DateTimeOffset now)
    {
        if (recurrence.Paused || (recurrence.NextOnCompletion && recurrence.NextPeriod > 0)) return null;
        var schedule = recurrence.ScheduleIn(zone);
        if (schedule.Due(recurrence.NextPeriod, now) is not { } due) return null;
        var skipped = Skipped(schedule, due);
        var claimed = recurrence with
        {
            NextPeriod = due.Period + 1,
            SkippedPeriods = [.. recurrence.SkippedPeriods.Concat(skipped).TakeLast(SkippedKept)],
            UpdatedAt = now,
        };
        return (claimed, due);
    }

    /// <summary>When the next period's jobs are created by the calendar; null while paused or once completions drive it.</summary>
    public static DateTimeOffset? NextRunAt(Recurrence recurrence, TimeZoneInfo zone)
    {
        if (recurrence.Paused || (recurrence.NextOnCompletion && recurrence.NextPeriod > 0)) return null;
        try
        {
            return recurrence.ScheduleIn(zone).CreateAt(recurrence.NextPeriod);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// The recurrence after a change of its settings: a new frequency or start date starts a new series at period 0
    /// (its first due period is created at once, the earlier ones skipped, as after downtime).
    /// </summary>
    public static Recurrence Changed(Recurrence before, Recurrence after, DateTimeOffset now) =>
        after.Frequency != before.Frequency || after.StartDate != before.StartDate
            ? after with { Series = before.Series + 1, NextPeriod = 0, UpdatedAt = now }
            : after with { UpdatedAt = now };

    /// <summary>The labels of the periods <paramref name="due"/> skipped: at most the last <see cref="SkippedKept"/>.</summary>
    public static IReadOnlyList<string> Skipped(Schedule schedule, DuePeriod due)
    {
        var first = Math.Max(due.SkippedFrom, due.Period - SkippedKept);
        return Enumerable.Range(first, due.Period - first).Select(schedule.Label).ToList();
    }

    /// <summary>The history detail of a job created for <paramref name="due"/>.</summary>
    public static string Detail(string recurrenceId, Schedule schedule, DuePeriod due)
    {
        var detail = $"recurrence {recurrenceId}, period {schedule.Label(due.Period)}";
        if (due.SkippedCount == 0) return detail;
        var skipped = Skipped(schedule, due);
        return due.SkippedCount == skipped.Count
            ? $"{detail}; skipped periods {string.Join(", ", skipped)}"
            : $"{detail}; skipped {due.SkippedCount} periods, the last {string.Join(", ", skipped.TakeLast(12))}";
    }
}
