using System.Text.Json;
using ClientHub.Core;
using ClientHub.Functions.Hosting;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;

namespace ClientHub.Functions.Queues;

/// <summary>Queue trigger of <c>links</c>: the jobs an item is linked to by hand re-read it.</summary>
internal sealed class LinksTrigger(JobEngine engine) : IQueueTrigger
{
    public Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken)
    {
        var sync = JsonSerializer.Deserialize<LinkSyncMessage>(message.Body.ToString(), ClientHubJson.Stored)
                   ?? throw new InvalidDataException($"Empty link sync message {message.MessageId}.");
        return engine.SyncLinkedJobsAsync(sync.FirmId, sync.ItemId, sync.By, cancellationToken);
    }
}
