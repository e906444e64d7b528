using ClientHub.Core;

namespace ClientHub.Functions.Jobs;

/// <summary>Log events of the job engine (4xxx).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(4000, LogLevel.Information, "Sweeper re-dispatched {Count} outbox rows of {Partition}")]
    public static partial void Swept(ILogger logger, int count, string partition);

    [LoggerMessage(4001, LogLevel.Debug, "Automation {AutomationId} of job {JobId} entry {EntrySeq} was already done or is stale; ignored")]
    public static partial void StaleAutomation(ILogger logger, JobId jobId, int entrySeq, string automationId);

    [LoggerMessage(4002, LogLevel.Warning, "Automation {AutomationId} of job {JobId} (firm {FirmId}) entry {EntrySeq} failed: {Error}")]
    public static partial void AutomationFailed(ILogger logger, FirmId firmId, JobId jobId, int entrySeq, string automationId, string error);

    [LoggerMessage(4003, LogLevel.Debug, "Job {JobId} changed concurrently; re-deciding (attempt {Attempt})")]
    public static partial void Conflict(ILogger logger, JobId jobId, int attempt);

    [LoggerMessage(4004, LogLevel.Error, "Outbox sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(4005, LogLevel.Warning, "The test clock moved, but not every job orchestration had looked at its timers within {Wait}")]
    public static partial void ClockNotHeard(ILogger logger, TimeSpan wait);
}
