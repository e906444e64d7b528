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
    private readonly TableClient _table = tables.GetTableClient(names.Table(Tables.JobCards));

    /// <summary>
    /// Writes the card of a job as committed. The dispatcher projects before it enqueues the work a
    /// transition caused, so the next transition of the same job cannot overtake it; the sweeper
    /// projects from the current job row rather than from a left-behind snapshot.
    /// </summary>
    public Task ProjectAsync(Job job, CancellationToken cancellationToken)
    {
        var entity = FirmDocuments.ToEntity($"{job.FirmId.Value}|{job.PipelineId}", job.Id.Value, job);
        entity["Status"] = job.Status.ToString();
        entity["StageId"] = job.StageId;
        entity["AccountId"] = job.AccountId;
        return _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
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
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuationToken, pageSize))
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
