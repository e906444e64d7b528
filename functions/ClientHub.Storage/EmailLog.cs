using Azure.Data.Tables;
using ClientHub.Core;

namespace ClientHub.Storage;

public sealed record EmailLogEntry(string Id, string To, string Subject, string Purpose, string? ItemId, JobId? JobId, string? AccountId,
    string Status, DateTimeOffset? SentAt, string? MessageId, string? Error);

/// <summary>
/// Every email the firm sent or meant to send. PK = firm id; RK = the email id. The id of an
/// automation's email is derived from its effect key, so a redelivery rewrites the same entry
/// instead of adding one.
/// </summary>
public sealed class EmailLog(TableServiceClient tables, StorageNames names)
{
    private readonly TableClient _table = tables.GetTableClient(names.Table(Tables.Emails));

    public Task WriteAsync(FirmId firmId, EmailLogEntry entry, CancellationToken cancellationToken)
    {
        var entity = FirmDocuments.ToEntity(firmId.Value, entry.Id, entry);
        entity["JobId"] = entry.JobId?.Value;
        entity["AccountId"] = entry.AccountId;
        entity["MessageId"] = entry.MessageId;
        return _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<ListPage<EmailLogEntry>> ListAsync(FirmId firmId, JobId? jobId, string? accountId, int pageSize, string? continuationToken,
        CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {firmId.Value}");
        if (jobId is { } job) filter += " and " + TableClient.CreateQueryFilter($"JobId eq {job.Value}");
        if (accountId is not null) filter += " and " + TableClient.CreateQueryFilter($"AccountId eq {accountId}");
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken)
                           .AsPages(continuationToken, pageSize))
            return new ListPage<EmailLogEntry>(page.Values.Select(FirmDocuments.Read<EmailLogEntry>).ToList(), page.ContinuationToken);
        return new ListPage<EmailLogEntry>([], null);
    }
}
