using System.Globalization;

namespace ClientHub.Core.Recurrences;

public enum Frequency { Daily, Weekly, Biweekly, Monthly, Quarterly, Yearly }

/// <summary>The period a recurrence creates now, and the missed ones before it that it skips (catch-up creates only the latest).</summary>
/// <param name="SkippedFrom">The first skipped period; <paramref name="SkippedCount"/> periods from it were missed.</param>
public sealed record DuePeriod(int Period, int SkippedFrom, int SkippedCount);

/// <summary>
/// When a recurrence's periods fall, in the firm's time zone. Period <c>k</c> is dated <see cref="StartDate"/> advanced
/// <c>k</c> times the frequency, always counted from the start (never from the previous period), so a monthly series
/// from January 31 falls on February 28 and returns to March 31. Its jobs are created <see cref="CreateDaysBefore"/>
/// days before that date, at 00:00 in the zone (DST-safe: local dates first, converted to UTC last).
/// </summary>
/// <remarks>Pure: the time comes in as <c>now</c>; no clock is read.</remarks>
public sealed record Schedule(Frequency Frequency, DateOnly StartDate, int CreateDaysBefore, TimeZoneInfo Zone)
{
    /// <summary>The date of period <paramref name="period"/>: its jobs' due date.</summary>
    public DateOnly DateOf(int period) => Frequency switch
    {
        Frequency.Daily => StartDate.AddDays(period),
        Frequency.Weekly => StartDate.AddDays(checked(7 * period)),
        Frequency.Biweekly => StartDate.AddDays(checked(14 * period)),
        Frequency.Monthly => StartDate.AddMonths(period),
        Frequency.Quarterly => StartDate.AddMonths(checked(3 * period)),
        Frequency.Yearly => StartDate.AddYears(period),
        _ => throw new ArgumentOutOfRangeException(nameof(Frequency), Frequency, null),
    };

    /// <summary>
    /// The moment period <paramref name="period"/>'s jobs are created: 00:00 local, <see cref="CreateDaysBefore"/> days before its date.
    /// </summary>
    public DateTimeOffset CreateAt(int period) => StartOfDay(DateOf(period).AddDays(-CreateDaysBefore), Zone);

    /// <summary>How the period is named in history and on the recurrence: <c>2026-01</c>, <c>2026-Q1</c>, <c>2026</c>, or the date.</summary>
    public string Label(int period)
    {
        var date = DateOf(period);
        return Frequency switch
        {
            Frequency.Monthly => date.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            Frequency.Quarterly => $"{date.Year}-Q{(date.Month - 1) / 3 + 1}",
            Frequency.Yearly => date.Year.ToString(CultureInfo.InvariantCulture),
            _ => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// The latest period from <paramref name="next"/> on whose creation time has come by <paramref name="now"/>, with the
    /// earlier ones it leaves out; null when <paramref name="next"/> is not due yet.
    /// </summary>
    public DuePeriod? Due(int next, DateTimeOffset now)
    {
        if (!IsDue(next, now)) return null;
        // Creation times grow with the period, so the latest due one is found by doubling then halving, not by walking
        // every period since a start date years ago.
        long low = next, step = 1;
        while (low + step <= int.MaxValue && IsDue((int)(low + step), now)) (low, step) = (low + step, step * 2);
        for (; step > 0; step /= 2)
            if (low + step <= int.MaxValue && IsDue((int)(low + step), now)) low += step;
        return new DuePeriod((int)low, next, (int)low - next);
    }

    /// <summary>A period past the calendar's end (year 9999) is never due.</summary>
    private bool IsDue(int period, DateTimeOffset now)
    {
        try
        {
            return CreateAt(period) <= now;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>
    /// 00:00 of <paramref name="date"/> in <paramref name="zone"/>, as a UTC instant. Where a DST change skips midnight
    /// (some zones change at 00:00) the day starts at the first local time that exists; where midnight occurs twice, at the first.
    /// </summary>
    public static DateTimeOffset StartOfDay(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(15);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
