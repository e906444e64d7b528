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
    /// <summary>How often a sync that keeps failing is sent again (after 1, 2, 4… minutes) before it is left in the poison queue.</summary>
    private const int Rounds = 8;

    public Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken)
    {
        var sync = Parse(message);
        return engine.SyncLinkedJobsAsync(sync.FirmId, sync.ItemId, sync.By, cancellationToken);
    }

    /// <summary>
    /// Nothing else would bring the linked jobs up to date, and a sync compares states, so it is safe to
    /// repeat: a copy is sent again, later each round, besides the one kept in the poison queue.
    /// </summary>
    public async Task OnPoisonedAsync(QueueTriggerMessage message, Exception lastError, CancellationToken cancellationToken)
    {
        if (lastError is JsonException or InvalidDataException) return;
        var sync = Parse(message);
        if (sync.Round >= Rounds) return;
        await queues.GetQueueClient(names.Queue(EngineOptions.LinksQueue)).SendMessageAsync(
            JsonSerializer.Serialize(sync with { Round = sync.Round + 1 }, ClientHubJson.Stored),
            TimeSpan.FromMinutes(1 << sync.Round), cancellationToken: cancellationToken);
    }

    private static LinkSyncMessage Parse(QueueTriggerMessage message) =>
        JsonSerializer.Deserialize<LinkSyncMessage>(message.Body.ToString(), ClientHubJson.Stored)
        ?? throw new InvalidDataException($"Empty link sync message {message.MessageId}.");
}
