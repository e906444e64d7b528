using ClientHub.Core.Clients;
using ClientHub.Core.Pipelines;

namespace ClientHub.Core.Jobs;

/// <summary>
/// The job state machine: <c>(job, pipeline, account, event, now) → (new job, effects, history)</c>.
/// </summary>
/// <remarks>
/// Like a Durable Task orchestrator step it is deterministic and does no I/O: time comes in as
/// <c>now</c>, the account's tags as <c>account</c>, and everything it causes goes out as
/// <see cref="JobEffect"/> data that the shell writes to the outbox in the same transaction as the
/// new job row. Events that belong to an older stage entry (a stale <c>entrySeq</c>) or that were
/// already applied return <see cref="Transition.None"/>; transitions a caller may not ask for
/// throw <see cref="StageTransitionRejected"/>.
/// </remarks>
public static class JobMachine
{
    /// <summary>A new job enters its first (or the chosen) stage: entry #1, and its automations start.</summary>
    public static Transition Add(Job draft, Pipeline pipeline, string? stageId, bool? visible, Actor by, Account account, DateTimeOffset now,
        string? detail = null)
    {
        var index = stageId is null ? 0 : pipeline.IndexOf(stageId);
        if (index < 0) throw new StageTransitionRejected(draft.Id, null, stageId, "The stage is not part of the job's pipeline.");
        var job = draft with { EntrySeq = 0, CreatedAt = now, UpdatedAt = now, Status = JobStatus.Active };
        var added = new HistoryEntry(now, HistoryKinds.Added, null, pipeline.Stages[index].Id, by, detail);
        return new Transition(job, [new PublishEvent("job.created", null, pipeline.Stages[index].Id, null)], [])
            .Then(j => Enter(j, pipeline, index, visible, account, now, added));
    }

    /// <summary>A manual (or webhook) move to any stage of the pipeline, including the current one (a new entry).</summary>
    public static Transition Move(Job job, Pipeline pipeline, string toStageId, bool? visible, Actor by, Account account, DateTimeOffset now)
    {
        var index = pipeline.IndexOf(toStageId);
        if (index < 0) throw new StageTransitionRejected(job.Id, job.StageId, toStageId, "The stage is not part of the job's pipeline.");
        if (job.Status != JobStatus.Active) throw new StageTransitionRejected(job.Id, job.StageId, toStageId, $"The job is {job.Status}.");
        var moved = new HistoryEntry(now, HistoryKinds.Moved, job.StageId, toStageId, by, null);
        return Enter(job, pipeline, index, visible, account, now, moved)
            .With(new PublishEvent("job.moved", job.StageId, toStageId, null));
    }

    /// <summary>
    /// Automation #<paramref name="index"/> of entry #<paramref name="entrySeq"/> ran (or was skipped):
    /// apply what it changed on the job, then run the next automation of the stage not run yet in this
    /// entry, or finish the entry.
    /// </summary>
    public static Transition AutomationDone(Job job, Pipeline pipeline, int entrySeq, int index, Func<Job, Job> change,
        HistoryEntry record, Account account, DateTimeOffset now)
    {
        if (!IsCurrent(job, entrySeq, index)) return Transition.None(job);
        var stage = pipeline.Find(job.StageId);
        var ran = job.NextAutomationId ?? stage?.Automations.ElementAtOrDefault(index)?.Id;
        var before = RunBefore(job, stage);
        var changed = change(job) with { AutomationsRun = ran is null ? before : [.. before, ran], UpdatedAt = now };
        return RunNext(new Transition(changed, [], [record]), stage, j => FinishEntry(j, pipeline, account, now));
    }

    /// <summary>Whether automation #index (<paramref name="automationId"/>, when given) of entry #entrySeq is the one the job waits for.</summary>
    /// <param name="retries">When given, a message sent before the chain's last <c>/retry</c> is not current.</param>
    public static bool IsCurrent(Job job, int entrySeq, int index, string? automationId = null, int? retries = null) =>
        job.EntrySeq == entrySeq && job.NextAutomation == index && job.Automation == AutomationState.Running && job.Status == JobStatus.Active
        && (automationId is null || job.NextAutomationId is null || job.NextAutomationId == automationId)
        && (retries is null || retries == job.Retries);

    /// <summary>The queue gave up on an automation: the chain halts and the job shows the error until retried.</summary>
    public static Transition AutomationFailed(Job job, int entrySeq, int index, string error, DateTimeOffset now)
    {
        if (!IsCurrent(job, entrySeq, index)) return Transition.None(job);
        var failed = job with { Automation = AutomationState.Failed, AutomationError = error, UpdatedAt = now };
        return new Transition(failed, [new PublishEvent("automation.failed", job.StageId, null, null)],
            [new HistoryEntry(now, HistoryKinds.AutomationFailed, job.StageId, job.StageId, Actor.System, error)]);
    }

    /// <summary>Resumes a failed chain at the automation that failed (wherever an edit since has put it); those that ran are not run again.</summary>
    public static Transition Retry(Job job, Pipeline pipeline, Actor by, Account account, DateTimeOffset now)
    {
        if (job.Automation != AutomationState.Failed)
            throw new StageTransitionRejected(job.Id, job.StageId, job.StageId, "Only a job whose automation failed can be retried.");
        if (job.Status != JobStatus.Active)
            throw new StageTransitionRejected(job.Id, job.StageId, job.StageId, $"The job is {job.Status}: its automations no longer run.");
        var stage = pipeline.Find(job.StageId);
        var resumed = job with
        {
            Automation = AutomationState.Running, AutomationError = null, Retries = job.Retries + 1,
            AutomationsRun = RunBefore(job, stage), UpdatedAt = now,
        };
        var history = new HistoryEntry(now, HistoryKinds.Retried, job.StageId, job.StageId, by, null);
        return RunNext(new Transition(resumed, [], [history]), stage, j => FinishEntry(j, pipeline, account, now));
    }

    /// <summary>An item linked to the job was linked (counts for automove when incomplete).</summary>
    public static Transition ItemLinked(Job job, int itemEntrySeq, bool complete, DateTimeOffset now) =>
        itemEntrySeq == job.EntrySeq && !complete
            ? Transition.None(job with { PendingItems = job.PendingItems + 1, UpdatedAt = now })
            : Transition.None(job);

    /// <summary>
    /// An item linked in entry #<paramref name="itemEntrySeq"/> became complete. Only the current entry
    /// counts: a completion left behind by a move does nothing to the job.
    /// </summary>
    public static Transition ItemCompleted(Job job, Pipeline pipeline, int itemEntrySeq, string itemId, Actor by, Account account, DateTimeOffset now)
    {
        var published = new PublishEvent("item.completed", null, null, itemId);
        if (itemEntrySeq != job.EntrySeq || job.Status != JobStatus.Active) return new Transition(job, [published], []);
        var updated = job with { PendingItems = Math.Max(0, job.PendingItems - 1), UpdatedAt = now };
        var result = new Transition(updated, [published], [new HistoryEntry(now, HistoryKinds.ItemCompleted, job.StageId, job.StageId, by, itemId)]);
        return updated.Automation == AutomationState.Idle ? result.Then(j => TryAutomove(j, pipeline, account, now)) : result;
    }

    /// <summary>
    /// The entry outstayed its stage's time limit: the job is flagged and its assignees told, once. Nothing happens for an
    /// older entry, an ended job, one already flagged, or before the limit.
    /// </summary>
    public static Transition StageOverdue(Job job, int entrySeq, Pipeline pipeline, DateTimeOffset now)
    {
        if (job.EntrySeq != entrySeq || job.Status != JobStatus.Active || job.StageOverdue || job.StageDueAt is not { } due || due > now)
            return Transition.None(job);
        var stage = pipeline.Find(job.StageId)?.Name ?? job.StageId;
        var days = job.EnteredAt is { } entered ? $"{(due - entered).TotalDays:0}-day " : "";
        return new Transition(job with { StageOverdue = true, UpdatedAt = now },
            [new Notify(null, NoticeAudience.Firm, $"has been in stage {stage} past its {days}time limit")],
            [new HistoryEntry(now, HistoryKinds.StageOverdue, job.StageId, job.StageId, Actor.System, $"{days}time limit passed")]);
    }

    /// <summary>
    /// An item's last reminder went unanswered: the client sees the escalation's status (shown or hidden as before), the
    /// assignees are told; the history says what happened. An ended job is left alone.
    /// </summary>
    public static Transition Escalated(Job job, string itemId, ReminderEscalation then, int reminders, IReadOnlyList<string> tagsAdded,
        DateTimeOffset now)
    {
        if (job.Status != JobStatus.Active) return Transition.None(job);
        var escalated = then.SetClientFacingStatusId is { } statusId
            ? job with { ClientFacing = new ClientFacingSetting(statusId, null, job.ClientFacing?.Visible ?? true), UpdatedAt = now }
            : job with { UpdatedAt = now };
        var what = new List<string> { $"{reminders} reminder(s) about {itemId} unanswered" };
        if (then.SetClientFacingStatusId is not null) what.Add("client-facing status changed");
        if (then.NotifyAssignees) what.Add("assignees told");
        if (tagsAdded.Count > 0) what.Add($"tags added: {string.Join(", ", tagsAdded)}");
        return new Transition(escalated,
            then.NotifyAssignees ? [new Notify(itemId, NoticeAudience.Firm, $"has not answered {reminders} reminder(s)")] : [],
            [new HistoryEntry(now, HistoryKinds.Escalated, job.StageId, job.StageId, Actor.System, string.Join("; ", what))]);
    }

    public static Transition Complete(Job job, Actor by, DateTimeOffset now)
    {
        if (job.Status != JobStatus.Active) throw new StageTransitionRejected(job.Id, job.StageId, job.StageId, $"The job is already {job.Status}.");
        return new Transition(job with { Status = JobStatus.Completed, Automation = Halted(job.Automation), UpdatedAt = now },
            [new PublishEvent("job.completed", job.StageId, null, null)],
            [new HistoryEntry(now, HistoryKinds.Completed, job.StageId, null, by, null)]);
    }

    public static Transition Archive(Job job, Actor by, DateTimeOffset now)
    {
        if (job.Status == JobStatus.Archived) throw new StageTransitionRejected(job.Id, job.StageId, job.StageId, "The job is already archived.");
        return new Transition(job with { Status = JobStatus.Archived, Automation = Halted(job.Automation), UpdatedAt = now },
            [new PublishEvent("job.archived", job.StageId, null, null)],
            [new HistoryEntry(now, HistoryKinds.Archived, job.StageId, null, by, null)]);
    }

    /// <summary>A job that is no longer Active runs no more automations: a chain in progress stops (a failure stays on show).</summary>
    private static AutomationState Halted(AutomationState state) => state == AutomationState.Running ? AutomationState.Idle : state;

    /// <summary>The client-facing setting after an updateClientFacingStatus automation; the entry's show/hide choice wins.</summary>
    public static ClientFacingSetting ClientFacingAfter(Job job, UpdateClientFacingStatus automation) =>
        new(automation.StatusId ?? job.ClientFacing?.StatusId, automation.Description, job.EntryVisibilityOverride ?? automation.Visible);

    private static Transition Enter(Job job, Pipeline pipeline, int index, bool? visible, Account account, DateTimeOffset now, HistoryEntry record)
    {
        var stage = pipeline.Stages[index];
        var entered = job with
        {
            StageId = stage.Id,
            EntrySeq = job.EntrySeq + 1,
            AutomationsRun = [],
            PendingItems = 0,
            Automation = AutomationState.Running,
            AutomationError = null,
            EntryVisibilityOverride = visible,
            EnteredAt = now,
            StageDueAt = stage.LimitFor(now),
            StageOverdue = false,
            // A stage without "update client-facing status" keeps the previous stage's setting.
            ClientFacing = visible is { } v && job.ClientFacing is { } carried ? carried with { Visible = v } : job.ClientFacing,
            UpdatedAt = now,
        };
        var result = RunNext(new Transition(entered, [], [record]), stage, j => FinishEntry(j, pipeline, account, now));
        // Without an automation to start it, the orchestration must still be there to hold the time limit's timer.
        return stage.TimeLimitDays is not null && !result.Effects.OfType<RunAutomation>().Any()
            ? result with { Effects = [.. result.Effects, new WatchJob()] }
            : result;
    }

    /// <summary>
    /// The automations of the entry that ran. A row written before they were recorded (none recorded, yet
    /// waiting past the first) counts the ones before the position it waits at, as it did then.
    /// </summary>
    private static IReadOnlyList<string> RunBefore(Job job, Stage? stage) =>
        job.AutomationsRun.Count == 0 && job.NextAutomation > 0 && stage is not null
            ? stage.Automations.Take(job.NextAutomation).Select(a => a.Id).ToList()
            : job.AutomationsRun;

    /// <summary>
    /// Asks for the stage's first automation not run yet in this entry, or, when none is left, lets
    /// <paramref name="finish"/> end it.
    /// </summary>
    private static Transition RunNext(Transition transition, Stage? stage, Func<Job, Transition> finish)
    {
        var job = transition.Job;
        var automations = stage?.Automations ?? [];
        for (var position = 0; position < automations.Count; position++)
            if (!job.AutomationsRun.Contains(automations[position].Id))
                return (transition with { Job = job with { NextAutomation = position, NextAutomationId = automations[position].Id } })
                    .With(new RunAutomation(job.EntrySeq, position, automations[position].Id, job.Retries));
        return (transition with { Job = job with { NextAutomation = automations.Count, NextAutomationId = null } }).Then(finish);
    }

    private static Transition FinishEntry(Job job, Pipeline pipeline, Account account, DateTimeOffset now) =>
        TryAutomove(job with { Automation = AutomationState.Idle }, pipeline, account, now);

    /// <summary>
    /// Automove: the stage has it on, nothing linked in this entry is pending, and the job is not on
    /// the last stage. The target is the next stage whose tag conditions the account meets.
    /// </summary>
    private static Transition TryAutomove(Job job, Pipeline pipeline, Account account, DateTimeOffset now)
    {
        var index = pipeline.IndexOf(job.StageId);
        if (index < 0 || index == pipeline.Stages.Count - 1 || job.Status != JobStatus.Active) return Transition.None(job);
        if (!pipeline.Stages[index].Automove || job.PendingItems > 0) return Transition.None(job);
        var target = NextEligibleStage(pipeline, index, account);
        var moved = new HistoryEntry(now, HistoryKinds.Moved, job.StageId, pipeline.Stages[target].Id, Actor.Automove, null);
        return Enter(job, pipeline, target, null, account, now, moved)
            .With(new PublishEvent("job.moved", job.StageId, pipeline.Stages[target].Id, null));
    }

    /// <summary>Stage conditions: automove skips a stage whose tags the account does not all have. The last stage is never conditional.</summary>
    public static int NextEligibleStage(Pipeline pipeline, int fromIndex, Account account)
    {
        for (var i = fromIndex + 1; i < pipeline.Stages.Count - 1; i++)
        {
            var conditions = pipeline.Stages[i].Conditions;
            if (conditions is null || conditions.IsEmpty || account.HasAllTags(conditions.Tags!)) return i;
        }
        return pipeline.Stages.Count - 1;
    }

    private static Transition With(this Transition transition, JobEffect effect) =>
        transition with { Effects = [.. transition.Effects, effect] };
}
