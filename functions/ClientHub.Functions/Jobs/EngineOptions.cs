namespace ClientHub.Functions.Jobs;

/// <summary>Settings of the job engine (<c>ClientHub:Engine</c>).</summary>
public sealed class EngineOptions
{
    public const string Section = "ClientHub:Engine";

    /// <summary>Queue of <see cref="Storage.LinkSyncMessage"/>s: jobs re-reading an item linked to them by hand.</summary>
    public const string LinksQueue = "links";

    /// <summary>Outbox rows older than this are taken to be left behind by a crash and re-dispatched by the sweeper.</summary>
    public TimeSpan OutboxSweepAge { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a job partition stays in the sweeper's index (<see cref="Storage.OutboxMarks"/>) after
    /// its last mark. It must outlast the slowest table transaction (the service gives up after 30 s):
    /// shortening it risks a crash's outbox rows being left unswept.
    /// </summary>
    public TimeSpan OutboxMarkLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>NCRONTAB of the outbox sweeper (DESIGN.md: at least every 10 seconds).</summary>
    public string SweepSchedule { get; set; } = "*/5 * * * * *";
}
