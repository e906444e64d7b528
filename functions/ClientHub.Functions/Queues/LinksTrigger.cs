using System.Text.Json;
using Azure.Storage.Queues;
using ClientHub.Core;
using ClientHub.Functions.Hosting;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;

namespace ClientHub.Functions.Queues;

/// <summary>Queue trigger of <c>links</c>: the jobs an item is linked to by hand re-read it.</summary>
internal sealed class LinksTrigger(JobEngine engine, QueueServiceClient queues, StorageNames names) : IQueueTrigger
{
    /// <summary>How long a sync that kept failing waits before it is tried again.</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    public Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken)
    {
        var sync = JsonSerializer.Deserialize<LinkSyncMessage>(message.Body.ToString(), ClientHubJson.Stored)
                   ?? throw new InvalidDataException($"Empty link sync message {message.MessageId}.");
        return engine.SyncLinkedJobsAsync(sync.FirmId, sync.ItemId, sync.By, cancellationToken);
    }

    /// <summary>
    /// Nothing else would ever bring the linked jobs up to date, and a sync compares states, so it is
    /// always safe to repeat: a copy is sent again, delayed, besides the one kept in the poison queue.
    /// </summary>
    public Task OnPoisonedAsync(QueueTriggerMessage message, Exception lastError, CancellationToken cancellationToken) =>
        queues.GetQueueClient(names.Queue(EngineOptions.LinksQueue)).SendMessageAsync(message.Body, RetryAfter, cancellationToken: cancellationToken);
}
