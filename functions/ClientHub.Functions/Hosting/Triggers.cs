namespace ClientHub.Functions.Hosting;

/// <summary>One dequeued Storage Queue message, as a queue trigger sees it.</summary>
public sealed record QueueTriggerMessage(string QueueName, string MessageId, BinaryData Body, long DequeueCount, DateTimeOffset? InsertedOn);

/// <summary>
/// A queue trigger (the Functions <c>[QueueTrigger]</c> model). Returning completes the message;
/// throwing leaves it for a retry after <c>host.json</c> <c>visibilityTimeout</c>; after
/// <c>maxDequeueCount</c> failed deliveries <see cref="OnPoisonedAsync"/> runs and the message
/// moves to <c>&lt;queue&gt;-poison</c>.
/// </summary>
public interface IQueueTrigger
{
    Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Called with the last error before the message moves to the poison queue. Throwing leaves the
    /// message in its queue to be poisoned (and this called) again, a few rounds at most, so it must be
    /// safe to repeat.
    /// </summary>
    Task OnPoisonedAsync(QueueTriggerMessage message, Exception lastError, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A timer trigger (the Functions <c>[TimerTrigger]</c> model) on a six-field NCRONTAB schedule.</summary>
public interface ITimerTrigger
{
    Task RunAsync(TimerTriggerInfo timer, CancellationToken cancellationToken);
}

/// <param name="ScheduledFor">The occurrence this run is for.</param>
/// <param name="IsPastDue">True when the run is late (e.g. a missed run caught up on start).</param>
public sealed record TimerTriggerInfo(string Name, DateTimeOffset ScheduledFor, bool IsPastDue);

/// <summary>
/// Lets code that enqueues a message wake the local listener of that queue at once instead of
/// waiting for its next poll (DESIGN.md: a stage's automations finish within seconds).
/// </summary>
public interface IQueueWaker
{
    /// <param name="queueName">The logical queue name (without the storage prefix).</param>
    void Wake(string queueName);
}
