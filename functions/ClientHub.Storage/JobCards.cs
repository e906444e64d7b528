using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using ClientHub.Core;
using ClientHub.Core.Jobs;

namespace ClientHub.Storage;

/// <summary>
/// The board and list projection: one row per job, partitioned by firm and pipeline
/// (<c>{firmId}|{pipelineId}</c>) so a board is one partition query and a firm's busiest pipeline
/// does not share a partition with the job rows being written. Written from the outbox right after
/// each transition; the sweeper repairs it when the process died in between.
/// </summary>
public sealed class JobCards(TableServiceClient tables, StorageNames names)
{
    private const int Remembered = 10_000;
    private readonly TableClient _table = tables.GetTableClient(names.Table(Tables.JobCards));
    private readonly ConcurrentDictionary<string, (long Version, ETag ETag)> _written = new();

    /// <summary>
    /// Writes the card of a job as committed, unless a newer version of the job is projected already:
    /// two dispatchers of one job (an HTTP request and a queue step, maybe on two instances) can finish
    /// in either order, and the older snapshot must not win. The dispatcher projects before it enqueues
    /// the work a transition caused, so the next transition of a chain cannot overtake it; the sweeper
    /// projects from the current job row rather than from a left-behind snapshot.
    /// </summary>
    /// <remarks>
    /// Each write is guarded by the card's ETag (or is an insert). The ETag of the card this process wrote
    /// last for a job is remembered, so the usual case (the previous step of the chain was projected here,
    /// or the job is new) is a single write; otherwise, or when another writer got in between, the card is
    /// read first.
    /// </remarks>
    public async Task ProjectAsync(Job job, CancellationToken cancellationToken)
    {
        var entity = FirmDocuments.ToEntity($"{job.FirmId.Value}|{job.PipelineId}", job.Id.Value, job);
        entity["Version"] = job.Version;
        entity["Status"] = job.Status.ToString();
        entity["StageId"] = job.StageId;
        entity["AccountId"] = job.AccountId;
        var known = _written.TryGetValue(entity.RowKey, out var written) ? written : ((long Version, ETag ETag)?)null;
        // A job's first version has no card yet: insert it without looking first.
        var look = job.Version > 1;
        while (true)
        {
            if (look) known ??= await ReadVersionAsync(entity, cancellationToken);
            look = true;
            if (known is { } card && card.Version >= job.Version) return;
            try
            {
                var response = known is { } current
                    ? await _table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken)
                    : await _table.AddEntityAsync(entity, cancellationToken);
                Remember(entity.RowKey, job.Version, response.Headers.ETag ?? default);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
            {
                known = null;
            }
        }
    }

    private async Task<(long Version, ETag ETag)?> ReadVersionAsync(TableEntity card, CancellationToken cancellationToken)
    {
        var stored = await _table.GetEntityIfExistsAsync<TableEntity>(card.PartitionKey, card.RowKey, select: ["Version"],
            cancellationToken: cancellationToken);
        return stored.HasValue ? (stored.Value!.GetInt64("Version") ?? 0, stored.Value.ETag) : null;
    }

    private void Remember(string jobId, long version, ETag etag)
    {
        _written[jobId] = (version, etag);
        // A cache of what this process wrote, not a source of truth: dropping it costs a read, never a wrong card.
        if (_written.Count > Remembered) _written.Clear();
    }

    /// <summary>Cards of a firm, optionally of one pipeline, filtered by the indexed columns.</summary>
    public async Task<ListPage<Job>> ListAsync(FirmId firmId, string? pipelineId, string? stageId, string? status, string? accountId,
        int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var filter = pipelineId is not null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {firmId.Value + "|" + pipelineId}")
            : TableClient.CreateQueryFilter($"PartitionKey gt {firmId.Value + "|"} and PartitionKey lt {firmId.Value + "}"}");
        if (stageId is not null) filter += " and " + TableClient.CreateQueryFilter($"StageId eq {stageId}");
        if (status is not null) filter += " and " + TableClient.CreateQueryFilter($"Status eq {status}");
        if (accountId is not null) filter += " and " + TableClient.CreateQueryFilter($"AccountId eq {accountId}");
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken)
                           .AsPages(continuationToken, pageSize))
            return new ListPage<Job>(page.Values.Select(FirmDocuments.Read<Job>).ToList(), page.ContinuationToken);
        return new ListPage<Job>([], null);
    }

    /// <summary>Every card of a pipeline (the board).</summary>
    public async Task<List<Job>> BoardAsync(FirmId firmId, string pipelineId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {firmId.Value + "|" + pipelineId} and Status eq {nameof(JobStatus.Active)}");
        var jobs = new List<Job>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken)) jobs.Add(FirmDocuments.Read<Job>(e));
        return jobs;
    }
}
