using Azure.Data.Tables;
using ClientHub.Core;

namespace ClientHub.Storage;

/// <summary>One attempt to deliver an event to a subscription, as <c>GET /api/webhook-subscriptions/{id}/deliveries</c> lists it.</summary>
public sealed record WebhookDeliveryAttempt(string Id, string Event, string EventType, int Attempt, int? StatusCode, long DurationMs,
    DateTimeOffset At, string? Error);

/// <summary>
/// Attempts of outbound webhook deliveries: PK = <c>{firmId}|{subscriptionId}</c>, RK = <c>{first attempt's ticks}|{eventId}|{attempt}</c>,
/// so a subscription's attempts list oldest event first, each event's attempts in order, and a re-run of an attempt rewrites its row.
/// </summary>
public sealed class WebhookDeliveries(TableServiceClient tables, StorageNames names)
{
    private readonly TableClient _table = tables.GetTableClient(names.Table(Tables.WebhookDeliveries));

    private static string PartitionKey(FirmId firmId, string subscriptionId) => $"{firmId.Value}|{subscriptionId}";

    public Task RecordAsync(FirmId firmId, string subscriptionId, DateTimeOffset firstAttemptAt, WebhookDeliveryAttempt attempt,
        CancellationToken cancellationToken)
    {
        var entity = FirmDocuments.ToEntity(PartitionKey(firmId, subscriptionId),
            $"{firstAttemptAt.UtcTicks:D19}|{attempt.Event}|{attempt.Attempt:D3}", attempt);
        entity["Succeeded"] = attempt.StatusCode is >= 200 and < 300;
        entity["At"] = attempt.At;
        return _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<ListPage<WebhookDeliveryAttempt>> ListAsync(FirmId firmId, string subscriptionId, int pageSize, string? continuationToken,
        CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(firmId, subscriptionId)}");
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken)
                           .AsPages(continuationToken, pageSize))
            return new ListPage<WebhookDeliveryAttempt>(page.Values.Select(FirmDocuments.Read<WebhookDeliveryAttempt>).ToList(),
                page.ContinuationToken);
        return new ListPage<WebhookDeliveryAttempt>([], null);
    }

    /// <summary>Whether any delivery to the subscription succeeded at or after <paramref name="since"/>.</summary>
    public async Task<bool> SucceededSinceAsync(FirmId firmId, string subscriptionId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {PartitionKey(firmId, subscriptionId)} and Succeeded eq {true} and At ge {since}");
        await foreach (var _ in _table.QueryAsync<TableEntity>(filter, 1, select: ["RowKey"], cancellationToken: cancellationToken)) return true;
        return false;
    }
}
