using System.Collections.Concurrent;
using ClientHub.Core;
using ClientHub.Core.Firms;
using ClientHub.Storage;

namespace ClientHub.Functions;

/// <summary>The host's time as a firm lives it: "today" in the firm's time zone, for due dates and overdue flags.</summary>
/// <remarks>A firm's document is written once and no route changes it, so its time zone is read once per process.</remarks>
public sealed class FirmClock(FirmDocuments documents, TimeProvider time)
{
    private readonly ConcurrentDictionary<FirmId, string> _zones = new();

    public DateTimeOffset Now => time.GetUtcNow();

    public async Task<string?> TimeZoneAsync(FirmId firmId, CancellationToken cancellationToken)
    {
        if (_zones.TryGetValue(firmId, out var zone)) return zone;
        if ((await documents.GetAsync<Firm>(firmId, DocumentKinds.Firm, firmId.Value, cancellationToken))?.Value is not { } firm) return null;
        return _zones[firmId] = firm.TimeZone;
    }

    /// <summary>The firm's time zone; UTC for a firm that is gone.</summary>
    public async Task<TimeZoneInfo> ZoneAsync(FirmId firmId, CancellationToken cancellationToken) =>
        FirmCalendar.Zone(await TimeZoneAsync(firmId, cancellationToken));

    public async Task<DateOnly> TodayAsync(FirmId firmId, CancellationToken cancellationToken) =>
        FirmCalendar.Today(await TimeZoneAsync(firmId, cancellationToken), Now);
}
