using Microsoft.Extensions.Logging;

namespace ClientHub.Functions.Hosting;

/// <summary>Events of the trigger host: 1xxx queue listeners, 2xxx timer scheduler, 3xxx start-up.</summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information,
        Message = "Listening on queue {QueueName} ({PhysicalQueueName}), batch size {BatchSize}, new batch at {NewBatchThreshold}")]
    public static partial void QueueListenerStarted(
        this ILogger logger, string queueName, string physicalQueueName, int batchSize, int newBatchThreshold);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Stopped listening on queue {QueueName}; {InFlight} message(s) still in flight")]
    public static partial void QueueListenerStopping(this ILogger logger, string queueName, int inFlight);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Receiving from queue {QueueName} failed; retrying in {Delay}")]
    public static partial void QueueReceiveFailed(this ILogger logger, Exception exception, string queueName, TimeSpan delay);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Debug, Message = "Handled message {MessageId} of queue {QueueName} (delivery {DequeueCount})")]
    public static partial void QueueMessageHandled(this ILogger logger, string queueName, string messageId, long dequeueCount);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning,
        Message = "Message {MessageId} of queue {QueueName} failed on delivery {DequeueCount} of {MaxDequeueCount}; retrying after {RetryDelay}")]
    public static partial void QueueMessageFailed(
        this ILogger logger, Exception exception, string queueName, string messageId, long dequeueCount, int maxDequeueCount, TimeSpan retryDelay);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Error,
        Message = "Message {MessageId} of queue {QueueName} moved to {PoisonQueueName} after {DequeueCount} deliveries")]
    public static partial void QueueMessagePoisoned(
        this ILogger logger, Exception exception, string queueName, string messageId, string poisonQueueName, long dequeueCount);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error,
        Message = "OnPoisonedAsync of queue {QueueName} failed for message {MessageId}; tried again after its lease: {Again}")]
    public static partial void QueuePoisonCallbackFailed(this ILogger logger, Exception exception, string queueName, string messageId, bool again);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information,
        Message = "Message {MessageId} of queue {QueueName} released for redelivery because the host is stopping")]
    public static partial void QueueMessageReleased(this ILogger logger, string queueName, string messageId);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Warning,
        Message = "Message {MessageId} of queue {QueueName} lost its lease ({Operation} failed); it will be delivered again")]
    public static partial void QueueMessageLeaseLost(this ILogger logger, Exception exception, string queueName, string messageId, string operation);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning,
        Message = "Message {MessageId} of queue {QueueName} could not be settled ({Operation}); it will be delivered again after its lease")]
    public static partial void QueueMessageSettleFailed(
        this ILogger logger, Exception exception, string queueName, string messageId, string operation);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Error,
        Message = "Message {MessageId} of queue {QueueName} could not be handled (e.g. its handler could not be created); it will be delivered " +
            "again after its lease")]
    public static partial void QueueMessageUnhandled(this ILogger logger, Exception exception, string queueName, string messageId);

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information,
        Message = "Timer {TimerName} scheduled with '{Schedule}', next run {NextOccurrence:O}")]
    public static partial void TimerScheduled(this ILogger logger, string timerName, string schedule, DateTimeOffset? nextOccurrence);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Timer {TimerName} ran for {ScheduledFor:O} (past due: {IsPastDue})")]
    public static partial void TimerRan(this ILogger logger, string timerName, DateTimeOffset scheduledFor, bool isPastDue);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Timer {TimerName} failed for {ScheduledFor:O}; the schedule continues")]
    public static partial void TimerFailed(this ILogger logger, Exception exception, string timerName, DateTimeOffset scheduledFor);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug,
        Message = "Timer {TimerName} for {ScheduledFor:O} skipped: another instance holds its lease")]
    public static partial void TimerLeaseHeldElsewhere(this ILogger logger, string timerName, DateTimeOffset scheduledFor);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug,
        Message = "Timer {TimerName} for {ScheduledFor:O} skipped: already run (last run {LastOccurrence:O})")]
    public static partial void TimerAlreadyRan(this ILogger logger, string timerName, DateTimeOffset scheduledFor, DateTimeOffset lastOccurrence);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning,
        Message = "Timer {TimerName} missed {MissedOccurrence:O} (last run {LastOccurrence:O}); running it once now")]
    public static partial void TimerCatchingUp(this ILogger logger, string timerName, DateTimeOffset missedOccurrence, DateTimeOffset lastOccurrence);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Timer {TimerName}: storage failed; retrying shortly")]
    public static partial void TimerStorageFailed(this ILogger logger, Exception exception, string timerName);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning,
        Message = "Timer {TimerName} lost its lease while running for {ScheduledFor:O}; another instance may run it too")]
    public static partial void TimerLeaseLost(this ILogger logger, Exception exception, string timerName, DateTimeOffset scheduledFor);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Error, Message = "Timer {TimerName} hit an unexpected error; its schedule restarts shortly")]
    public static partial void TimerScheduleFailed(this ILogger logger, Exception exception, string timerName);

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information,
        Message = "Trigger host storage ready: {QueueCount} queue(s) with poison twins, lease container {LeaseContainer}")]
    public static partial void TriggerStorageReady(this ILogger logger, int queueCount, string leaseContainer);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Poison replay of queue {QueueName}: {Replayed} message(s) moved back from {PoisonQueue}; "
            + "{PoisonedSince} poisoned since left there")]
    public static partial void PoisonReplayed(this ILogger logger, string queueName, string poisonQueue, int replayed, int poisonedSince);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Warning, Message = "Peeking queue {QueueName} for its oldest message's age failed")]
    public static partial void QueuePeekFailed(this ILogger logger, Exception exception, string queueName);
}
