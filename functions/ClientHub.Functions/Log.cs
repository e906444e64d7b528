using ClientHub.Core;

namespace ClientHub.Functions;

/// <summary>
/// The application's log events. Ids: 1xxx trigger host (see Hosting), 3xxx HTTP, 4xxx job engine,
/// 5xxx email, 6xxx reminders, 7xxx webhooks. Firm and job ids are always structured parameters; secrets and document
/// content never appear.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Error, "Unhandled error serving {Path}")]
    public static partial void Unhandled(ILogger logger, Exception exception, string path);

    // ---- 4xxx job engine ----

    [LoggerMessage(4000, LogLevel.Information, "Sweeper re-dispatched {Count} outbox rows of {Partition}")]
    public static partial void Swept(ILogger logger, int count, string partition);

    [LoggerMessage(4001, LogLevel.Debug, "Automation {AutomationId} of job {JobId} entry {EntrySeq} was already done or is stale; ignored")]
    public static partial void StaleAutomation(ILogger logger, JobId jobId, int entrySeq, string automationId);

    [LoggerMessage(4002, LogLevel.Warning, "Automation {AutomationId} of job {JobId} (firm {FirmId}) entry {EntrySeq} failed: {Error}")]
    public static partial void AutomationFailed(ILogger logger, FirmId firmId, JobId jobId, int entrySeq, string automationId, string error);

    [LoggerMessage(4003, LogLevel.Debug, "Job {JobId} changed concurrently; re-deciding (attempt {Attempt})")]
    public static partial void Conflict(ILogger logger, JobId jobId, int attempt);

    [LoggerMessage(4006, LogLevel.Warning, "Job {JobId} committed, but dispatching its outbox failed; the sweeper delivers it")]
    public static partial void DispatchLeftToSweeper(ILogger logger, Exception exception, JobId jobId);

    [LoggerMessage(4004, LogLevel.Error, "Outbox sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(4005, LogLevel.Warning, "The test clock moved, but not every job orchestration had looked at its timers within {Wait}")]
    public static partial void ClockNotHeard(ILogger logger, TimeSpan wait);

    // ---- 5xxx email ----

    [LoggerMessage(5000, LogLevel.Warning, "Inbound email dropped: no recipient is a reply address of ours ({Recipients} recipients)")]
    public static partial void InboundNoReplyAddress(ILogger logger, int recipients);

    [LoggerMessage(5001, LogLevel.Warning, "Inbound email dropped: a reply address is forged, malformed or signed with another secret")]
    public static partial void InboundForged(ILogger logger);

    [LoggerMessage(5002, LogLevel.Warning, "Inbound email dropped: item {ItemId} of firm {FirmId} does not exist or concerns no account")]
    public static partial void InboundUnknownItem(ILogger logger, FirmId firmId, string itemId);

    [LoggerMessage(5003, LogLevel.Warning, "Inbound email for item {ItemId} (firm {FirmId}) dropped: the sender is no contact of its account")]
    public static partial void InboundUnknownSender(ILogger logger, FirmId firmId, string itemId);

    [LoggerMessage(5004, LogLevel.Warning, "Inbound email for item {ItemId} (firm {FirmId}) dropped: {Reason}")]
    public static partial void InboundNotApplicable(ILogger logger, FirmId firmId, string itemId, string reason);

    [LoggerMessage(5005, LogLevel.Information, "Inbound email for item {ItemId} (firm {FirmId}) was already received; ignored")]
    public static partial void InboundDuplicate(ILogger logger, FirmId firmId, string itemId);

    [LoggerMessage(5006, LogLevel.Warning, "Attachment {Index} of an inbound email for item {ItemId} (firm {FirmId}) skipped: {Reason}")]
    public static partial void InboundAttachmentSkipped(ILogger logger, FirmId firmId, string itemId, int index, string reason);

    [LoggerMessage(5007, LogLevel.Information,
        "Inbound email by contact {ContactId} applied to {ItemType} {ItemId} (firm {FirmId}), {Documents} documents")]
    public static partial void InboundApplied(ILogger logger, FirmId firmId, string itemType, string itemId, string contactId, int documents);

    [LoggerMessage(5009, LogLevel.Warning,
        "Email {EmailId} (firm {FirmId}) was left unrecorded by an attempt that died; SendGrid had taken it as {MessageId}: not sent again")]
    public static partial void EmailFoundAtProvider(ILogger logger, FirmId firmId, string emailId, string messageId);

    [LoggerMessage(5010, LogLevel.Warning,
        "Email {EmailId} (firm {FirmId}) was left unrecorded by an attempt that died and SendGrid does not show it: sent again")]
    public static partial void EmailSentAgain(ILogger logger, FirmId firmId, string emailId);

    [LoggerMessage(5008, LogLevel.Warning, "Inbound email dropped: the body is over the limit of {Limit} bytes")]
    public static partial void InboundTooLarge(ILogger logger, long limit);

    // ---- 7xxx recurrences ----

    [LoggerMessage(7000, LogLevel.Warning,
        "Recurrence {RecurrenceId} (firm {FirmId}) cannot create period {Period}: its pipeline or job template is gone")]
    public static partial void RecurrenceCannotCreate(ILogger logger, FirmId firmId, string recurrenceId, int period);

    [LoggerMessage(7001, LogLevel.Warning, "The test clock moved, but not every recurrence had looked at the time within {Wait}")]
    public static partial void RecurrenceClockNotHeard(ILogger logger, TimeSpan wait);

    // ---- 6xxx reminders ----

    [LoggerMessage(6000, LogLevel.Warning, "Reminder for item {ItemId} of job {JobId} (firm {FirmId}) failed; it is tried again in {RetryAfter}")]
    public static partial void ReminderFailed(ILogger logger, Exception exception, FirmId firmId, JobId jobId, string itemId, TimeSpan retryAfter);

    [LoggerMessage(6100, LogLevel.Warning, "The daily digest of firm {FirmId} failed; the next run tries again")]
    public static partial void DigestFailed(ILogger logger, Exception exception, FirmId firmId);

    // ---- 8xxx webhooks ----

    [LoggerMessage(8000, LogLevel.Information,
        "Webhook {EventId} to subscription {SubscriptionId} (firm {FirmId}) failed attempt {Attempt}: {Error}")]
    public static partial void WebhookAttemptFailed(ILogger logger, FirmId firmId, string subscriptionId, string eventId, int attempt, string error);

    [LoggerMessage(8001, LogLevel.Warning, "Webhook subscription {SubscriptionId} (firm {FirmId}) failed every attempt and is turned off")]
    public static partial void WebhookDisabled(ILogger logger, FirmId firmId, string subscriptionId);
}
