using System.Text.Json;
using Azure.Storage.Queues;
using ClientHub.Core;
using ClientHub.Functions.Notices;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Hosting;
using ClientHub.Functions.Webhooks;
using ClientHub.Storage;

namespace ClientHub.Functions.Jobs;

/// <summary>
/// Hands outbox rows to their destination and deletes them: the card projection first, then the
/// job's orchestration and the links queue, so the next transition they cause cannot overtake this
/// one's card. Delivery is at least once; every consumer is idempotent (a woken orchestration follows
/// the job's row; a link sync compares states).
/// </summary>
/// <remarks>
/// The outbox stays only where an API transaction must atomically cause work outside it: waking the
/// job's orchestration for a new entry, a retry or its end, projecting the card, syncing manually linked jobs.
/// </remarks>
public sealed class OutboxDispatcher(JobStore store, JobCards cards, JobOrchestrations orchestrations, QueueServiceClient queues, StorageNames names,
    IQueueWaker waker, IEnumerable<IJobEventListener> listeners, ILogger<OutboxDispatcher> logger)
{
    private readonly QueueClient _links = queues.GetQueueClient(names.Queue(EngineOptions.LinksQueue));
    private readonly QueueClient _notices = queues.GetQueueClient(names.Queue(NoticeSender.Queue));
    private readonly QueueClient _webhookEvents = queues.GetQueueClient(names.Queue(WebhookFanOut.Queue));

    /// <summary>Right after a transition committed; the sweeper does the same for rows a crash left behind.</summary>
    public Task DispatchCommittedAsync(IReadOnlyList<OutboxRow> outbox, CancellationToken cancellationToken) =>
        DispatchAsync(outbox, fromSweeper: false, cancellationToken);

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
        foreach (var row in rows.Where(r => r.Kind == OutboxKinds.Automation))
            await orchestrations.WakeAsync(JsonSerializer.Deserialize<AutomationRun>(row.Payload, ClientHubJson.Stored)!, cancellationToken);
        foreach (var job in rows.Where(r => r.Kind == OutboxKinds.Watch).Select(r => JsonSerializer.Deserialize<JobRef>(r.Payload, ClientHubJson.Stored)!))
            await orchestrations.WatchAsync(job.FirmId, job.JobId, cancellationToken);
        // A job that was completed or archived ends its orchestration (and its reminders) when it looks at the row again.
        var events = rows.Where(r => r.Kind == OutboxKinds.Event)
            .Select(r => JsonSerializer.Deserialize<JobEventMessage>(r.Payload, ClientHubJson.Stored)!).ToList();
        foreach (var e in events.Where(e => e.Type is "job.completed" or "job.archived")) await orchestrations.NudgeAsync(e.FirmId, e.JobId);
        foreach (var e in events)
            foreach (var listener in listeners) await listener.OnJobEventAsync(e, cancellationToken);
        await SendAsync(rows, OutboxKinds.Links, _links, EngineOptions.LinksQueue, cancellationToken);
        await SendAsync(rows, OutboxKinds.Notice, _notices, NoticeSender.Queue, cancellationToken);
        // Every event goes to the webhooks' fan-out, which starts one delivery per subscription that asked for it.
        await SendAsync(rows, OutboxKinds.Event, _webhookEvents, WebhookFanOut.Queue, cancellationToken);
        await store.DeleteOutboxAsync(rows, cancellationToken);
        if (fromSweeper) Log.Swept(logger, rows.Count, rows[0].PartitionKey);
    }

    /// <summary>The rows of <paramref name="kind"/> as messages of <paramref name="queue"/>, whose listener is woken.</summary>
    private async Task SendAsync(IReadOnlyList<OutboxRow> rows, string kind, QueueClient queue, string queueName, CancellationToken cancellationToken)
    {
        var messages = rows.Where(r => r.Kind == kind).ToList();
        foreach (var message in messages) await queue.SendMessageAsync(message.Payload, cancellationToken);
        if (messages.Count > 0) waker.Wake(queueName);
    }
}
