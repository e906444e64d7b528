using Azure;
using Azure.Data.Tables;
using ClientHub.Core;

namespace ClientHub.Storage;

/// <summary>
/// A durable timer: what it belongs to (firm, job, item) and when it is due. It carries no
/// decision: when it fires, its owner is re-checked, so a timer whose item completed or whose job
/// ended simply does nothing.
/// </summary>
/// <param name="Sequence">Which reminder of the item this is (1 for the first).</param>
public sealed record DurableTimer(FirmId FirmId, JobId JobId, string ItemId, int Sequence, int Remaining, int DaysBetween, DateTimeOffset DueAt)
{
    public string Id => $"{ItemId}.{Sequence}";
}

/// <summary>
/// Durable timers (reminders now; due dates and recurrence later) as rows of the <c>timers</c>
/// table, PK = firm id, RK = "{due ticks}|{timer id}", scanned by a timer trigger rather than
/// parked as long-delayed queue messages. Only pending timers are stored (a fired one is deleted),
/// so the scan reads what is due and little else.
/// </summary>
public sealed class DurableTimers(TableServiceClient tables, StorageNames names)
{
    private readonly TableClient _table = tables.GetTableClient(names.Table(Tables.Timers));

    /// <summary>Idempotent: the same timer (owner and sequence) always lands on the same row.</summary>
    public Task ScheduleAsync(DurableTimer timer, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(ToEntity(timer), TableUpdateMode.Replace, cancellationToken);

    public async Task<List<DurableTimer>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey lt {now.UtcTicks.ToString("D19") + "~"}");
        var due = new List<DurableTimer>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            due.Add(new DurableTimer(new FirmId(e.PartitionKey), new JobId(e.GetString("JobId")), e.GetString("ItemId"), e.GetInt32("Sequence") ?? 1,
                e.GetInt32("Remaining") ?? 0, e.GetInt32("DaysBetween") ?? 3, e.GetDateTimeOffset("DueAt") ?? now));
        return due;
    }

    public Task DeleteAsync(DurableTimer timer, CancellationToken cancellationToken) =>
        _table.DeleteEntityAsync(timer.FirmId.Value, RowKey(timer), ETag.All, cancellationToken);

    private static string RowKey(DurableTimer timer) => $"{timer.DueAt.UtcTicks:D19}|{timer.Id}";

    private static TableEntity ToEntity(DurableTimer timer) => new(timer.FirmId.Value, RowKey(timer))
    {
        ["JobId"] = timer.JobId.Value, ["ItemId"] = timer.ItemId, ["Sequence"] = timer.Sequence, ["Remaining"] = timer.Remaining,
        ["DaysBetween"] = timer.DaysBetween, ["DueAt"] = timer.DueAt,
    };
}
