using System.Globalization;
using ClientHub.Core.Jobs;

namespace ClientHub.Core.Templates;

/// <summary>What a job template gives a new job: its name (shortcodes), priority and client-facing status.</summary>
public static class JobTemplating
{
    /// <summary>
    /// Job template shortcodes (Karbon/Financial Cents style). <paramref name="date"/> is the day the job is about: the
    /// day it is added, or the date of the period a recurrence creates it for.
    /// </summary>
    public static string Name(string pattern, string accountName, DateOnly date) => pattern
        .Replace("[ACCOUNT_NAME]", accountName, StringComparison.Ordinal)
        .Replace("[YEAR]", date.Year.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("[MONTH]", date.ToString("MMMM", CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("[QUARTER]", $"Q{(date.Month - 1) / 3 + 1}", StringComparison.Ordinal);

    public static Priority PriorityOf(JobTemplate? template) =>
        Enum.TryParse<Priority>(template?.Priority, out var priority) ? priority : Priority.Medium;

    /// <summary>The template's client-facing status, shown unless <paramref name="visible"/> says otherwise.</summary>
    public static ClientFacingSetting? ClientFacingOf(JobTemplate? template, bool? visible) =>
        template?.ClientFacingStatusId is { } statusId ? new ClientFacingSetting(statusId, null, visible ?? true) : null;
}
