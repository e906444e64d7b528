namespace ClientHub.Functions.Hosting;

/// <summary>
/// The error a message is poisoned with when it was delivered more than <c>maxDequeueCount</c> times
/// without its handler ever failing here: the instances that received it died (or were killed) while
/// handling it, so running it again would most likely kill another one.
/// </summary>
public sealed class QueueMessageAbandonedException(string queueName, string messageId, long dequeueCount)
    : Exception($"Message {messageId} of queue {queueName} was delivered {dequeueCount} times without completing.")
{
    public string QueueName { get; } = queueName;
    public string MessageId { get; } = messageId;
    public long DequeueCount { get; } = dequeueCount;
}
