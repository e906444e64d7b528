using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ClientHub.Storage;

namespace ClientHub.Functions.Hosting;

/// <summary>
/// Replays a queue trigger's poison queue: every message of <c>&lt;queue&gt;-poison</c> goes back to <c>&lt;queue&gt;</c> unchanged
/// (the listener copied the body as it was), once the cause of the failures has been fixed.
/// </summary>
internal sealed class PoisonQueues(
    IEnumerable<QueueTriggerRegistration> registrations,
    QueueServiceClient queues,
    StorageNames names,
    IQueueWaker waker,
    ILogger<PoisonQueues> logger)
{
    private const int BatchSize = 32; // the most one receive returns

    // Long enough that this loop never receives a message it is moving twice; short enough that a batch cut off by a
    // crash or an aborted request is back in the poison queue soon.
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(2);

    public bool IsKnown(string queueName) => registrations.Any(r => r.QueueName == queueName);

    /// <summary>Moves the poison queue's messages back to the work queue (send, then delete) and returns how many moved.</summary>
    /// <remarks>
    /// A message poisoned again while the replay runs (it was inserted after the replay began, by storage's clock) is left for
    /// the next replay: each message is moved once per replay, and a replay of a still-failing message ends.
    /// </remarks>
    public async Task<int> ReplayAsync(string queueName, CancellationToken cancellationToken)
    {
        var work = queues.GetQueueClient(names.Queue(queueName));
        var poison = queues.GetQueueClient(TriggerStorageInitializer.PoisonQueueName(names, queueName));
        DateTimeOffset? began = null;
        var replayed = 0;
        var later = new List<QueueMessage>();
        while (true)
        {
            var received = await poison.ReceiveMessagesAsync(BatchSize, Hold, cancellationToken);
            began ??= received.GetRawResponse().Headers.Date ?? DateTimeOffset.MaxValue;
            if (received.Value.Length == 0) break;
            foreach (var message in received.Value)
            {
                if (message.InsertedOn > began)
                {
                    later.Add(message);
                    continue;
                }
                // Not cancellable: a message sent back must also leave the poison queue, or a later replay would send it twice.
                await work.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                replayed++;
            }
        }

        foreach (var message in later)
            await poison.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero,
                cancellationToken: CancellationToken.None);
        if (replayed > 0) waker.Wake(queueName);
        logger.PoisonReplayed(queueName, poison.Name, replayed, later.Count);
        return replayed;
    }
}
