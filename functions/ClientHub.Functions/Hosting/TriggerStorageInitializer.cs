using ClientHub.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClientHub.Functions.Hosting;

/// <summary>
/// Creates every registered queue, its poison twin and the timer lease container before any listener
/// or scheduler starts. It runs whatever the roles: an http-only instance enqueues to these queues too.
/// </summary>
/// <remarks>
/// A failure here fails the start on purpose: an instance that cannot reach storage can do nothing useful,
/// and a failed start is visible to the orchestrator, which restarts it.
/// </remarks>
internal sealed class TriggerStorageInitializer(
    IEnumerable<QueueTriggerRegistration> queues,
    IEnumerable<TimerTriggerRegistration> timers,
    QueueServiceClient queueService,
    BlobServiceClient blobService,
    StorageNames names,
    ILogger<TriggerStorageInitializer> logger) : IHostedService
{
    public const string LeaseContainerName = "locks";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var queueNames = queues.Select(q => q.QueueName).ToList();
        ThrowOnDuplicates(queueNames, "queue trigger");
        ThrowOnDuplicates(timers.Select(t => t.Name), "timer trigger");

        foreach (var queueName in queueNames)
        {
            var physical = names.Queue(queueName);
            await queueService.GetQueueClient(physical).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await queueService.GetQueueClient(PoisonQueueName(names, queueName)).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        var container = names.Container(LeaseContainerName);
        await blobService.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        logger.TriggerStorageReady(queueNames.Count, container);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Functions' convention: the poison twin of queue <c>x</c> is <c>x-poison</c>.</summary>
    public static string PoisonQueueName(StorageNames names, string queueName) => names.Queue(queueName) + "-poison";

    private static void ThrowOnDuplicates(IEnumerable<string> names, string kind)
    {
        // Two handlers on one queue would compete for its messages; that is never what was meant.
        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"More than one {kind} is registered for '{duplicate.Key}'.");
    }
}
