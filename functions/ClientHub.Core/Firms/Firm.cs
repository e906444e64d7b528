namespace ClientHub.Core.Firms;

public sealed record Firm(FirmId Id, string Name, string TimeZone, string OwnerId, DateTimeOffset CreatedAt);

public enum StaffRole { Staff = 0, Admin = 1, Owner = 2 }

public sealed record StaffMember(string Id, string Name, string Email, StaffRole Role)
{
    /// <summary>The daily email at 08:00 (the firm's time) of their tasks and jobs due today or overdue; each can turn it off.</summary>
    public bool Digest { get; init; } = true;
}

/// <summary>Dates as the firm lives them: due dates and "today" are in its time zone (IANA), UTC when it has none.</summary>
public static class FirmCalendar
{
    public static TimeZoneInfo Zone(string? timeZone) =>
        timeZone is not null && TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public static DateOnly Today(string? timeZone, DateTimeOffset now) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone(timeZone)).DateTime);
}
