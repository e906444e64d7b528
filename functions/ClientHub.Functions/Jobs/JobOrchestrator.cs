using ClientHub.Core;
using ClientHub.Functions.Hosting;
using ClientHub.Storage;
using Microsoft.DurableTask;

namespace ClientHub.Functions.Jobs;

/// <summary>The input of one execution of a job's orchestration (each <c>ContinueAsNew</c> starts the next).</summary>
/// <param name="Run">The automation the wake asked for, when it named one.</param>
/// <param name="Clock">The test clock's last advance this orchestration has heard of (ticks); 0 in production.</param>
public sealed record JobOrchestration(FirmId FirmId, JobId JobId, AutomationRun? Run = null, long Clock = 0);

/// <summary>The payload of a <see cref="JobOrchestrator.WakeEvent"/>: run an automation, or just look at the job again.</summary>
public sealed record JobWake(AutomationRun? Run, long Clock = 0);

/// <summary>
/// Where a job stands after an activity, read from its row: the automation to run next while an entry's
/// chain runs; otherwise whether the job has ended, and the reminders it still has to send.
/// </summary>
/// <param name="Now">The host's time (the test clock's when it is on) at which the reminders were read.</param>
/// <param name="StageLimit">The entry's stage time limit, while it has not been flagged.</param>
public sealed record JobProgress(AutomationRun? Next, bool Ended, IReadOnlyList<ReminderDue> Reminders, DateTimeOffset Now,
    StageLimit? StageLimit = null)
{
    /// <summary>When the orchestration must look at the job next by itself; null when only a wake will do.</summary>
    public DateTimeOffset? NextDueAt => Reminders.Select(r => (DateTimeOffset?)r.DueAt).Append(StageLimit?.DueAt).Min();
}

/// <summary>Stage entry #<paramref name="EntrySeq"/> outstays its time limit at <paramref name="DueAt"/> (host time).</summary>
public sealed record StageLimit(int EntrySeq, DateTimeOffset DueAt);

/// <summary>The input of <see cref="FlagStageOverdueActivity"/>; <paramref name="DueAt"/> measures the timer's lag (absent in older inputs).</summary>
public sealed record StageLimitRun(FirmId FirmId, JobId JobId, int EntrySeq, DateTimeOffset? DueAt = null);

/// <summary>Reminder #<paramref name="Sequence"/> of an item, due at <paramref name="DueAt"/> (host time).</summary>
public sealed record ReminderDue(string ItemId, int Sequence, DateTimeOffset DueAt);

/// <summary>The input of <see cref="RunAutomationActivity"/>: the job, and the automation to run (none: only read where the job stands).</summary>
public sealed record JobStep(FirmId FirmId, JobId JobId, AutomationRun? Run);

/// <summary>The input of <see cref="FailAutomationActivity"/>.</summary>
public sealed record AutomationFailure(AutomationRun Run, string Error);

/// <summary>The input of <see cref="SendReminderActivity"/>; <paramref name="DueAt"/> measures the timer's lag (absent in older inputs).</summary>
public sealed record ReminderRun(FirmId FirmId, JobId JobId, string ItemId, int Sequence, DateTimeOffset? DueAt = null);

/// <summary>
/// A job's orchestration: one instance per job (<see cref="JobOrchestrations.InstanceId"/>), alive from the
/// job's add until it is completed or archived. It runs each stage entry's automations one activity after
/// another, holds the durable timers of the job's reminders and of its stage's time limit, and sleeps in between until a
/// transition wakes it.
/// </summary>
/// <remarks>
/// <para>
/// The job row stays the one authoritative view (DESIGN.md guarantee 1): every change of it is decided by
/// <c>JobMachine</c> and written with <c>If-Match</c>, by the API or by an activity. This orchestrator
/// decides only what to do next from what the activities report of the row, so a wake that is late,
/// doubled or lost (the outbox sweeper sends it again) cannot make it run an automation twice or skip one:
/// it follows the row. Like every orchestrator it is deterministic: no I/O, no clock, no GUIDs; time
/// comes from the context and the activities.
/// </para>
/// <para>
/// Each execution handles one wake (or one stage entry's chain) and ends in <c>ContinueAsNew</c>, keeping events
/// raised meanwhile, so a history holds one entry's chain at most and a job that lives for a year replays in milliseconds.
/// </para>
/// </remarks>
public sealed class JobOrchestrator : TaskOrchestrator<JobOrchestration, string>
{
    public const string Name = "Job";
    public const string WakeEvent = "wake";

    /// <summary>
    /// Transient failures are retried (<see cref="EternalOrchestration.Retry"/>); after that the automation is flagged failed
    /// and the chain halts until <c>/retry</c>.
    /// </summary>
    private static readonly TaskOptions Retry = EternalOrchestration.Retry;

    /// <remarks>
    /// Storage trouble beyond every retry (even flagging the failure failed) must not strand the job: it looks at the row again a
    /// little later and goes on from wherever the row says.
    /// </remarks>
    public override Task<string> RunAsync(TaskOrchestrationContext context, JobOrchestration input) =>
        context.SurvivingOutagesAsync(() => RunOnceAsync(context, input),
            () => context.ContinueAsNew(input with { Run = null }, preserveUnprocessedEvents: true));

    /// <summary>One wake: the entry's chain while the row says it runs, the reminders now due, then sleep until the next wake or timer.</summary>
    private static async Task<string> RunOnceAsync(TaskOrchestrationContext context, JobOrchestration input)
    {
        var progress = await StepAsync(context, input, input.Run);
        var entry = input.Run?.EntrySeq;
        while (progress.Next is { } next)
        {
            // An automove started the next stage entry: it gets an execution (and a history) of its own.
            if ((entry ??= next.EntrySeq) != next.EntrySeq)
            {
                context.ContinueAsNew(input with { Run = next }, preserveUnprocessedEvents: true);
                return "";
            }
            progress = await StepAsync(context, input, next);
        }
        if (progress.Ended) return "ended";

        if (!await SendDueAsync(context, input, progress))
        {
            // The test clock waits for this before it answers: every due timer has fired by then.
            context.SetCustomStatus(input.Clock);
            var sleep = progress.NextDueAt is { } dueAt ? EternalOrchestration.Sleep(dueAt - progress.Now) : (TimeSpan?)null;
            var wake = await SleepAsync(context, sleep);
            input = input with { Clock = Math.Max(input.Clock, wake?.Clock ?? 0) };
            if (wake is { Run: not null } or { Clock: 0 })
            {
                context.ContinueAsNew(input with { Run = wake.Run }, preserveUnprocessedEvents: true);
                return "";
            }
            // The timer fired (or the test clock moved): what is due by then goes out now, without reading the job first (each
            // send re-checks its item and job); the next execution reads where the job stands.
            var now = wake is null ? progress.Now + sleep!.Value : new DateTimeOffset(wake.Clock, TimeSpan.Zero);
            await SendDueAsync(context, input, progress with { Now = now });
        }
        context.ContinueAsNew(input with { Run = null }, preserveUnprocessedEvents: true);
        return "";
    }

    /// <summary>Sends the reminders due by the progress's time and flags the stage limit if it has passed; false when nothing was due.</summary>
    private static async Task<bool> SendDueAsync(TaskOrchestrationContext context, JobOrchestration input, JobProgress progress)
    {
        var due = progress.Reminders.Where(r => r.DueAt <= progress.Now).ToList();
        foreach (var reminder in due)
        {
            var send = new ReminderRun(input.FirmId, input.JobId, reminder.ItemId, reminder.Sequence, reminder.DueAt);
            await context.CallActivityAsync(SendReminderActivity.Name, send, Retry);
        }
        if (progress.StageLimit is not { } limit || limit.DueAt > progress.Now) return due.Count > 0;
        var flag = new StageLimitRun(input.FirmId, input.JobId, limit.EntrySeq, limit.DueAt);
        await context.CallActivityAsync(FlagStageOverdueActivity.Name, flag, Retry);
        return true;
    }

    /// <summary>Waits for a wake (returned) or, when <paramref name="sleep"/> is given, for that long at most (null: the timer fired).</summary>
    private static async Task<JobWake?> SleepAsync(TaskOrchestrationContext context, TimeSpan? sleep)
    {
        using var cancel = new CancellationTokenSource();
        var wake = context.WaitForExternalEvent<JobWake>(WakeEvent, cancel.Token);
        if (sleep is { } timer) await Task.WhenAny(wake, context.CreateTimer(context.CurrentUtcDateTime + timer, cancel.Token));
        else await wake;
        cancel.Cancel();
        return wake.IsCompletedSuccessfully ? wake.Result : null;
    }

    /// <summary>Runs <paramref name="run"/> (or only reads the job); once retries are spent, the job shows the automation failed.</summary>
    private static async Task<JobProgress> StepAsync(TaskOrchestrationContext context, JobOrchestration input, AutomationRun? run)
    {
        try
        {
            return await context.CallActivityAsync<JobProgress>(RunAutomationActivity.Name, new JobStep(input.FirmId, input.JobId, run), Retry);
        }
        catch (TaskFailedException failed) when (run is not null)
        {
            var failure = new AutomationFailure(run, failed.FailureDetails.ErrorMessage);
            return await context.CallActivityAsync<JobProgress>(FailAutomationActivity.Name, failure, Retry);
        }
    }
}

/// <summary>Runs one automation of a stage entry (and the local ones right after it), then reports where the job stands.</summary>
public sealed class RunAutomationActivity(AutomationStep step) : TaskActivity<JobStep, JobProgress>
{
    public const string Name = "RunAutomation";

    public override Task<JobProgress> RunAsync(TaskActivityContext context, JobStep input) => step.RunAsync(input, CancellationToken.None);
}

/// <summary>Flags the job's automation failed (unless the job has moved on since), then reports where the job stands.</summary>
public sealed class FailAutomationActivity(AutomationStep step) : TaskActivity<AutomationFailure, JobProgress>
{
    public const string Name = "FailAutomation";

    public override Task<JobProgress> RunAsync(TaskActivityContext context, AutomationFailure input) =>
        step.FailAsync(input.Run, input.Error, CancellationToken.None);
}

/// <summary>Flags a job that outstayed its stage's time limit (and tells its assignees), unless it moved on or ended meanwhile.</summary>
public sealed class FlagStageOverdueActivity(AutomationStep step) : TaskActivity<StageLimitRun, string>
{
    public const string Name = "FlagStageOverdue";

    public override async Task<string> RunAsync(TaskActivityContext context, StageLimitRun input)
    {
        await step.FlagStageOverdueAsync(input, CancellationToken.None);
        return "";
    }
}

/// <summary>Sends one reminder of an item, unless the item is complete or the job has ended meanwhile.</summary>
public sealed class SendReminderActivity(Reminders.ReminderSender reminders) : TaskActivity<ReminderRun, string>
{
    public const string Name = "SendReminder";

    public override async Task<string> RunAsync(TaskActivityContext context, ReminderRun input)
    {
        await reminders.SendAsync(input, CancellationToken.None);
        return "";
    }
}
