using Azure.Data.Tables;
using ClientHub.Core;

namespace ClientHub.Storage;

public sealed record EmailLogEntry(string Id, string To, string Subject, string Purpose, string? ItemId, JobId? JobId, string? AccountId,
    string Status, DateTimeOffset? SentAt, string? MessageId, string? Error);

/// <summary>
/// Every email the firm sent or meant to send. PK = firm id; RK = the email id. An index row per SendGrid message id
/// (PK = <c>message|{hash}</c>) leads SendGrid's events to their entry. The id of an
/// automation's email is derived from its effect key, so a redelivery rewrites the same entry
/// instead of adding one.
/// </summary>
public sealed class EmailLog(TableServiceClient tables, StorageNames names)
{
    private readonly TableClient _table = tables.GetTableClient(names.Table(Tables.Emails));

    public async Task WriteAsync(FirmId firmId, EmailLogEntry entry, CancellationToken cancellationToken)
    {
        await WriteIndexAsync(firmId, entry, cancellationToken);
        await _table.UpsertEntityAsync(Entity(firmId, entry), TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Writes the entry unless it exists: what a redelivery does for an email a crash left sent and marked but not logged.</summary>
    public async Task WriteIfMissingAsync(FirmId firmId, EmailLogEntry entry, CancellationToken cancellationToken)
    {
        if ((await _table.GetEntityIfExistsAsync<TableEntity>(firmId.Value, entry.Id, ["RowKey"], cancellationToken)).HasValue) return;
        await WriteIndexAsync(firmId, entry, cancellationToken);
        try
        {
            await _table.AddEntityAsync(Entity(firmId, entry), cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 409)
        {
        }
    }

    /// <summary>The index first: SendGrid's events name the message, not the firm, and must find the entry once it exists.</summary>
    private async Task WriteIndexAsync(FirmId firmId, EmailLogEntry entry, CancellationToken cancellationToken)
    {
        if (entry.MessageId is { } messageId)
            await _table.UpsertEntityAsync(new TableEntity(MessagePartition(messageId), "") { ["FirmId"] = firmId.Value, ["EmailId"] = entry.Id },
                TableUpdateMode.Replace, cancellationToken);
    }

    private static TableEntity Entity(FirmId firmId, EmailLogEntry entry)
    {
        var entity = FirmDocuments.ToEntity(firmId.Value, entry.Id, entry);
        entity["JobId"] = entry.JobId?.Value;
        entity["AccountId"] = entry.AccountId;
        entity["MessageId"] = entry.MessageId;
        return entity;
    }

    /// <summary>The index row of a SendGrid message id (hashed: it may hold characters a key may not).</summary>
    private static string MessagePartition(string messageId) => $"message|{IdempotencyRecords.Hash(messageId)}";

    /// <summary>
    /// Changes the entry of SendGrid message <paramref name="messageId"/> (the <c>X-Message-Id</c> it answered the send with), if we
    /// sent it; <paramref name="change"/> returns null to leave it as it is. Returns the firm and the entry as it is now, or null.
    /// </summary>
    public async Task<(FirmId FirmId, EmailLogEntry Entry)?> UpdateByMessageIdAsync(string messageId, Func<EmailLogEntry, EmailLogEntry?> change,
        CancellationToken cancellationToken)
    {
        var index = await _table.GetEntityIfExistsAsync<TableEntity>(MessagePartition(messageId), "", cancellationToken: cancellationToken);
        if (!index.HasValue) return null;
        var firmId = new FirmId(index.Value!.GetString("FirmId"));
        for (var attempt = 1; ; attempt++)
        {
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(firmId.Value, index.Value.GetString("EmailId"),
                cancellationToken: cancellationToken);
            if (!row.HasValue) return null;
            var entry = FirmDocuments.Read<EmailLogEntry>(row.Value!);
            if (change(entry) is not { } changed || changed == entry) return (firmId, entry);
            try
            {
                await _table.UpdateEntityAsync(Entity(firmId, changed), row.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                return (firmId, changed);
            }
            catch (Azure.RequestFailedException e) when (e.Status == 412 && attempt < 5)
            {
                // Two events of one message at once: decide again against the entry as the other left it.
            }
        }
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
