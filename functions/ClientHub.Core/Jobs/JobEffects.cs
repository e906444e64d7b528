namespace ClientHub.Core.Jobs;

/// <summary>Work a transition causes, as data; the shell stores it in the outbox with the new job row and executes it after.</summary>
public abstract record JobEffect;

/// <summary>
/// Run automation #<paramref name="Index"/> of stage entry #<paramref name="EntrySeq"/> (after the job's
/// <paramref name="Retries"/>th retry).
/// </summary>
public sealed record RunAutomation(int EntrySeq, int Index, string AutomationId, int Retries = 0) : JobEffect;

/// <summary>A domain event for subscribers (outbound webhooks): job.moved, job.completed, item.completed…</summary>
public sealed record PublishEvent(string Type, string? FromStageId, string? ToStageId, string? ItemId) : JobEffect;

/// <summary>
/// Remind the account about an item (a durable timer): first at <paramref name="DueAt"/>, then every
/// <paramref name="DaysBetween"/> days, <paramref name="Count"/> times in all, while the item stays incomplete.
/// </summary>
public sealed record ScheduleReminder(string ItemId, int Count, int DaysBetween, DateTimeOffset DueAt) : JobEffect
{
    /// <summary>The escalation after the last reminder, if any.</summary>
    public Pipelines.ReminderEscalation? Then { get; init; }
}

/// <summary>
/// An item linked to other jobs by hand changed: each of those jobs re-reads it (its pending count,
/// automove). Carried by the outbox, so that a crash between the item's write and the other jobs'
/// updates loses nothing.
/// </summary>
public sealed record SyncLinkedJobs(string ItemId, Actor By) : JobEffect;

/// <summary>
/// The job's orchestration must run even though no automation asks for it: it holds a durable timer of the entry (its stage's
/// time limit). Starting one that runs already only wakes it.
/// </summary>
public sealed record WatchJob : JobEffect;

public enum NoticeAudience { Firm, Client }

/// <summary>
/// Someone must hear by email of what happened to an item: the firm (the job's assignees, or its owners) of a client's action
/// (a submission, a signature, a payment), or the client of the firm's (a request reopened); or of the job itself (no item: a stage
/// time limit passed). One notice is one email per recipient.
/// </summary>
public sealed record Notify(string? ItemId, NoticeAudience Audience, string What) : JobEffect;

/// <summary>The outcome of a transition: the new job row, what it caused, and what history records.</summary>
public sealed record Transition(Job Job, IReadOnlyList<JobEffect> Effects, IReadOnlyList<HistoryEntry> History)
{
    public static Transition None(Job job) => new(job, [], []);

    /// <summary>The same transition without effects of kind <typeparamref name="T"/> (work its caller performs itself).</summary>
    public Transition Without<T>() where T : JobEffect => this with { Effects = Effects.Where(e => e is not T).ToList() };

    public Transition Then(Func<Job, Transition> next)
    {
        var more = next(Job);
        return new Transition(more.Job, [.. Effects, .. more.Effects], [.. History, .. more.History]);
    }
}

/// <summary>Why a requested transition cannot happen. Carries what the caller needs to answer (409/400).</summary>
public sealed class StageTransitionRejected(JobId jobId, string? fromStageId, string? toStageId, string reason)
    : Exception($"Job {jobId} cannot move from {fromStageId ?? "-"} to {toStageId ?? "-"}: {reason}")
{
    public JobId JobId { get; } = jobId;
    public string? FromStageId { get; } = fromStageId;
    public string? ToStageId { get; } = toStageId;
    public string Reason { get; } = reason;
}
