using System.Text.Json;
using Azure.Storage.Queues;
using ClientHub.Core;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Hosting;
using ClientHub.Storage;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Jobs;

/// <summary>
/// Hands outbox rows to their destination and deletes them: the card projection and durable timers
/// first, then the queue messages, so the next transition a message causes cannot overtake this
/// one's card. Delivery is at least once; every consumer is idempotent (a timer lands on the same row).
/// </summary>
public sealed class OutboxDispatcher(JobStore store, JobCards cards, DurableTimers timers, QueueServiceClient queues, StorageNames names,
    IQueueWaker waker, IOptions<EngineOptions> options, ILogger<OutboxDispatcher> logger)
{
    private readonly QueueClient _automations = queues.GetQueueClient(names.Queue(EngineOptions.AutomationsQueue));
    private readonly QueueClient _links = queues.GetQueueClient(names.Queue(EngineOptions.LinksQueue));

    /// <summary>Right after a transition committed (skipped when the testing hook disables inline dispatch).</summary>
    public Task DispatchCommittedAsync(IReadOnlyList<OutboxRow> outbox, CancellationToken cancellationToken) =>
        options.Value.InlineDispatch ? DispatchAsync(outbox, fromSweeper: false, cancellationToken) : Task.CompletedTask;

    public async Task DispatchAsync(IReadOnlyList<OutboxRow> rows, bool fromSweeper, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return;
        foreach (var card in rows.Where(r => r.Kind == OutboxKinds.Card).GroupBy(r => r.PartitionKey))
        {
            // A left-behind snapshot may be older than the job: the sweeper projects the row as it is now.
            var job = fromSweeper
                ? (await store.GetAsync(new FirmId(card.Key.Split('|')[0]), new JobId(card.Key.Split('|')[1]), cancellationToken))?.Value
                : JsonSerializer.Deserialize<Job>(card.Last().Payload, ClientHubJson.Stored);
            if (job is not null) await cards.ProjectAsync(job, cancellationToken);
        }
        foreach (var row in rows.Where(r => r.Kind == OutboxKinds.Timer))
            await timers.ScheduleAsync(JsonSerializer.Deserialize<DurableTimer>(row.Payload, ClientHubJson.Stored)!, cancellationToken);
        await EnqueueAsync(rows, OutboxKinds.Automation, _automations, EngineOptions.AutomationsQueue, options.Value.DuplicateDeliveries ? 2 : 1, cancellationToken);
        await EnqueueAsync(rows, OutboxKinds.Links, _links, EngineOptions.LinksQueue, copies: 1, cancellationToken);
        // Event rows (job.moved, item.completed…) have no consumer until outbound webhooks exist; they are dropped with the rest.
        await store.DeleteOutboxAsync(rows, cancellationToken);
        if (fromSweeper) EngineLog.Swept(logger, rows.Count, rows[0].PartitionKey);
    }

    /// <summary>Sends the rows of one kind to their queue, and wakes this instance's listener of it.</summary>
    private async Task EnqueueAsync(IReadOnlyList<OutboxRow> rows, string kind, QueueClient queue, string queueName, int copies, CancellationToken cancellationToken)
    {
        var messages = rows.Where(r => r.Kind == kind).SelectMany(r => Enumerable.Repeat(r.Payload, copies)).ToList();
        foreach (var message in messages) await queue.SendMessageAsync(message, cancellationToken);
        if (messages.Count > 0) waker.Wake(queueName);
    }
}
