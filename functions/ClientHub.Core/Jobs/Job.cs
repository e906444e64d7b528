namespace ClientHub.Core.Jobs;

public enum JobStatus { Active, Completed, Archived }

public enum Priority { Low, Medium, High, Urgent }

public enum AutomationState { Running, Idle, Failed }

/// <summary>What the client sees of a job in the portal. A stage without the automation keeps the previous setting.</summary>
public sealed record ClientFacingSetting(string? StatusId, string? Description, bool Visible);

/// <summary>
/// The one authoritative job row. It changes only through <see cref="JobMachine"/> and is written
/// only with <c>If-Match</c>, so every transition is decided against the state it was computed from.
/// </summary>
public sealed record Job
{
    public required JobId Id { get; init; }
    public required FirmId FirmId { get; init; }
    public required string Name { get; init; }
    public required string AccountId { get; init; }

    /// <summary>Denormalized for the board and lists, which must not read every account.</summary>
    public string AccountName { get; init; } = "";
    public required string PipelineId { get; init; }
    public required string StageId { get; init; }

    /// <summary>Grows on every stage entry; effects and items of an entry are keyed by it.</summary>
    public int EntrySeq { get; init; }

    public JobStatus Status { get; init; } = JobStatus.Active;
    public IReadOnlyList<string> AssigneeIds { get; init; } = [];
    public Priority Priority { get; init; } = Priority.Medium;
    public DateOnly? StartDate { get; init; }
    public DateOnly? DueDate { get; init; }
    public ClientFacingSetting? ClientFacing { get; init; }

    /// <summary>The caller's show/hide choice on the add or move that started this entry; wins over the automation's.</summary>
    public bool? EntryVisibilityOverride { get; init; }

    /// <summary>Index of the next automation of this entry to run (equal to the count once all ran).</summary>
    public int NextAutomation { get; init; }

    /// <summary>Id of that automation.</summary>
    public string? NextAutomationId { get; init; }

    /// <summary>
    /// Ids of this entry's automations that ran (or were skipped). The next one to run is the first of
    /// the stage, in its current order, that is not among them: a pipeline edited under a running entry
    /// (automations added, moved or removed) still runs every automation of the stage once.
    /// </summary>
    public IReadOnlyList<string> AutomationsRun { get; init; } = [];

    /// <summary>
    /// How often <c>/retry</c> resumed a failed chain; a queue message carries it, so a poisoned message from before a
    /// retry is told apart.
    /// </summary>
    public int Retries { get; init; }

    public AutomationState Automation { get; init; } = AutomationState.Idle;
    public string? AutomationError { get; init; }

    /// <summary>Whether an automation of the job ever scheduled reminders: only then does its orchestration look for them.</summary>
    public bool HasReminders { get; init; }

    /// <summary>When the current stage entry began (the stage's time limit counts from it).</summary>
    public DateTimeOffset? EnteredAt { get; init; }

    /// <summary>When this entry outstays its stage's time limit (fixed at entry); null when the stage has none.</summary>
    public DateTimeOffset? StageDueAt { get; init; }

    /// <summary>The job outstayed its stage's time limit in this entry, and its assignees were told.</summary>
    public bool StageOverdue { get; init; }

    /// <summary>Flagged, or past the limit already while the orchestration's timer is on its way.</summary>
    public bool IsStageOverdue(DateTimeOffset now) => Status == JobStatus.Active && (StageOverdue || StageDueAt <= now);

    /// <summary>Active, with a due date before <paramref name="today"/> (the firm's date).</summary>
    public bool IsOverdue(DateOnly today) => Status == JobStatus.Active && DueDate < today;

    /// <summary>Incomplete action-requiring items linked in the current entry.</summary>
    public int PendingItems { get; init; }

    /// <summary>Grows on every write; orders history rows and outbox rows.</summary>
    public long Version { get; init; }

    /// <summary>The recurrence and period that created the job, if one did.</summary>
    public Recurrences.JobRecurrence? Recurrence { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Who or what caused a transition (API.md history <c>by</c>).</summary>
public sealed record Actor(string Type, string? Id = null)
{
    public static Actor Staff(string id) => new("staff", id);
    public static readonly Actor Automove = new("automove");
    public static readonly Actor System = new("system");
    public static Actor Webhook(string id) => new("webhook", id);
    public static readonly Actor Recurrence = new("recurrence");

    /// <summary>A client contact acting through the portal.</summary>
    public static Actor Client(string contactId) => new("client", contactId);
}

public sealed record HistoryEntry(DateTimeOffset At, string Kind, string? FromStageId, string? ToStageId, Actor By, string? Detail);

public static class HistoryKinds
{
    public const string Added = "added", Moved = "moved", Automation = "automation", AutomationSkipped = "automationSkipped",
        AutomationFailed = "automationFailed", Retried = "retried", ItemCompleted = "itemCompleted", Completed = "completed",
        Archived = "archived", Updated = "updated", StageOverdue = "stageOverdue", Escalated = "escalated";
}
