using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;

namespace ClientHub.Storage;

/// <summary>A job partition that may hold outbox rows, as of the mark's last write (server time).</summary>
public sealed record OutboxMark(string PartitionKey, DateTimeOffset WrittenAt, ETag ETag);

/// <summary>
/// The sweeper's index of job partitions that may hold outbox rows, so that finding the work a
/// crash left behind reads a small table instead of scanning every job's history. A commit marks
/// its partition <em>before</em> its transaction (write-ahead), so no outbox row can exist unmarked;
/// the sweeper removes a mark once the partition's outbox is empty and the mark has outlived every
/// commit that could still be in flight under it.
/// </summary>
/// <remarks>
/// A process re-marks a partition at most every third of <paramref name="lifetime"/>: a chain of
/// steps costs one mark, not one per commit. A commit that relies on an earlier mark and lands more
/// than a lifetime after it (an unusually slow, retried transaction) marks again afterwards. Marks
/// are judged by the server's <c>Timestamp</c>, so this runs on the real clock, never on the test clock.
/// </remarks>
public sealed class OutboxMarks(TableServiceClient tables, StorageNames names, TimeSpan lifetime)
{
    private const int Remembered = 10_000;
    private readonly TableClient _table = tables.GetTableClient(names.Table(Tables.OutboxMarks));
    private readonly ConcurrentDictionary<string, DateTimeOffset> _markedAt = new();
    private readonly TimeSpan _reuse = lifetime / 3;

    /// <summary>How long a mark stays after its last write, even when its partition's outbox is empty.</summary>
    public TimeSpan Lifetime => lifetime;

    /// <summary>
    /// Writes <paramref name="transaction"/>, which adds outbox rows to the partition, under a mark: the
    /// partition is marked first (unless this process did so recently enough for the mark to still
    /// stand), and marked again if the transaction took so long that the sweeper may have removed the
    /// mark before the rows landed.
    /// </summary>
    public async Task<T> UnderMarkAsync<T>(string partitionKey, Func<Task<T>> transaction, CancellationToken cancellationToken)
    {
        var markedAt = await MarkAsync(partitionKey, reuse: true, cancellationToken);
        try
        {
            return await transaction();
        }
        finally
        {
            // The sweeper removes a mark only once it is a lifetime old, after finding the outbox empty. Also
            // after a failure: a retried attempt may have failed (412) on what an earlier, lost one committed.
            if (TimeProvider.System.GetUtcNow() - markedAt >= lifetime) await MarkAsync(partitionKey, reuse: false, CancellationToken.None);
        }
    }

    private async Task<DateTimeOffset> MarkAsync(string partitionKey, bool reuse, CancellationToken cancellationToken)
    {
        // Taken before the write, so the mark's server Timestamp is never earlier than what we remember.
        var now = TimeProvider.System.GetUtcNow();
        if (reuse && _markedAt.TryGetValue(partitionKey, out var markedAt) && now - markedAt < _reuse) return markedAt;
        await _table.UpsertEntityAsync(new TableEntity(partitionKey, ""), TableUpdateMode.Replace, cancellationToken);
        _markedAt[partitionKey] = now;
        if (_markedAt.Count > Remembered)
            foreach (var old in _markedAt.Where(m => now - m.Value >= _reuse)) _markedAt.TryRemove(old);
        return now;
    }

    /// <summary>Marks last written before <paramref name="before"/>.</summary>
    public async IAsyncEnumerable<OutboxMark> OlderThanAsync(
        DateTimeOffset before, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Timestamp lt {before}"),
                           select: ["PartitionKey", "Timestamp"], cancellationToken: cancellationToken))
            yield return new OutboxMark(e.PartitionKey, e.Timestamp!.Value, e.ETag);
    }

    /// <summary>Removes the mark unless it was written again since it was read.</summary>
    public async Task RemoveAsync(OutboxMark mark, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(mark.PartitionKey, "", mark.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already, or re-marked by a new commit: either way it is not ours to remove.
        }
    }
}
