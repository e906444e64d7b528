using ClientHub.Core;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Email;
using System.Diagnostics;
using ClientHub.Functions.Hosting;
using ClientHub.Storage;

namespace ClientHub.Functions.Jobs;

/// <summary>
/// What the job's activities do. One step of a stage entry's automation chain runs automation #k,
/// then in one transaction advances the job and stores what the automation created (or finishes the
/// entry and evaluates automove). A step that is no longer the job's next one does nothing, so a
/// re-run activity (at-least-once) finds the job advanced. Either way the step reports where the job
/// stands, read from the row, which is all the orchestration goes by.
/// </summary>
public sealed class AutomationStep(JobEngine engine, JobStore store, AutomationRunner runner, ILogger<AutomationStep> logger)
{
    public async Task<JobProgress> RunAsync(JobStep step, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginJobScope(step.FirmId, step.JobId);
        if (step.Run is not { } run)
            return await ProgressAsync(await store.GetAsync(step.FirmId, step.JobId, cancellationToken), cancellationToken);
        try
        {
            var result = await engine.TransitionAsync(run.FirmId, run.JobId, null, async c =>
            {
                if (!JobMachine.IsCurrent(c.Job, run.EntrySeq, run.Index, run.AutomationId))
                {
                    Log.StaleAutomation(logger, run.JobId, run.EntrySeq, run.AutomationId);
                    return null;
                }
                var stage = c.Pipeline.Find(c.Job.StageId);
                // Found by id: an edit of the pipeline may have moved it since the chain asked for it.
                var automation = stage?.Automations.FirstOrDefault(a => a.Id == run.AutomationId);
                if (automation is null)
                {
                    // The pipeline was edited under the entry: what was to run is gone, so the chain moves on.
                    var gone = new HistoryEntry(engine.Now, HistoryKinds.AutomationSkipped, c.Job.StageId, c.Job.StageId, Actor.System,
                        $"{run.AutomationId}: removed from the stage");
                    return JobWrite.Of(JobMachine.AutomationDone(c.Job, c.Pipeline, run.EntrySeq, run.Index, j => j, gone, c.Account, engine.Now)
                        .Without<RunAutomation>());
                }
                var outcome = await RunTracedAsync(c.Job, automation, c.Account, run, cancellationToken);
                var transition = Done(c, run, automation, outcome);
                var rows = outcome.Rows.ToList();

                // Automations that only write the job's own partition ride along in the same step and
                // transaction: nothing outside can observe them half done, and the entry saves a
                // queue round trip and a commit per such automation.
                while (transition.Effects.OfType<RunAutomation>().FirstOrDefault(e => e.EntrySeq == run.EntrySeq) is { } next
                       && stage!.Automations.FirstOrDefault(a => a.Id == next.AutomationId) is { } following
                       && AutomationRunner.IsLocal(following))
                {
                    var nextRun = run with { Index = next.Index, AutomationId = next.AutomationId };
                    var nextOutcome = await RunTracedAsync(transition.Job, following, outcome.Account, nextRun, cancellationToken);
                    var before = transition with { Effects = transition.Effects.Where(e => e != next).ToList() };
                    transition = before.Then(j => Done(c with { Current = c.Current with { Value = j } }, nextRun, following, nextOutcome));
                    rows.AddRange(nextOutcome.Rows);
                    outcome = nextOutcome;
                }
                // The orchestration runs what comes next (in this entry or, after an automove, the next one): the row tells it.
                return new JobWrite(transition.Without<RunAutomation>(), rows);
            }, cancellationToken);
            return await ProgressAsync(result?.Job, cancellationToken);
        }
        catch (EmailSendFailed failed) when (!failed.Transient)
        {
            // SendGrid refused for good: retrying cannot help, so the automation fails at once.
            return await FailAsync(run, failed.Message, cancellationToken);
        }
    }

    /// <summary>
    /// One <c>automation</c> span and count per run. A run the commit's ETag race makes repeat (it is idempotent) counts again:
    /// these are runs, not automations done.
    /// </summary>
    private async Task<AutomationOutcome> RunTracedAsync(Job job, Core.Pipelines.Automation automation, Core.Clients.Account account,
        AutomationRun run, CancellationToken cancellationToken)
    {
        using var span = Telemetry.StartJobActivity("automation", run.FirmId, run.JobId);
        span?.SetTag("automation.type", automation.Type).SetTag("automation.id", automation.Id).SetTag("job.entry_seq", run.EntrySeq);
        if (span is not null) span.DisplayName = $"automation {automation.Type}";
        var outcome = "failed";
        try
        {
            var result = await runner.RunAsync(job, automation, account, run, cancellationToken);
            outcome = result.Skipped ? "skipped" : "done";
            return result;
        }
        catch (Exception e)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.Message).AddException(e);
            throw;
        }
        finally
        {
            span?.SetTag("automation.outcome", outcome);
            Telemetry.Automations.Add(1, new("automation.type", automation.Type), new("automation.outcome", outcome));
        }
    }

    private Transition Done(JobContext c, AutomationRun run, Core.Pipelines.Automation automation, AutomationOutcome outcome)
    {
        var record = new HistoryEntry(engine.Now, outcome.Skipped ? HistoryKinds.AutomationSkipped : HistoryKinds.Automation,
            c.Job.StageId, c.Job.StageId, Actor.System, $"{automation.Type} {automation.Id}: {outcome.Detail}");
        var reminds = outcome.Effects.OfType<ScheduleReminder>().Any();
        var done = JobMachine.AutomationDone(c.Job, c.Pipeline, run.EntrySeq, run.Index,
            j => outcome.Change(j) with { HasReminders = j.HasReminders || reminds }, record, outcome.Account, engine.Now);
        return done with { Effects = [.. outcome.Effects, .. done.Effects] };
    }

    /// <summary>The retries are spent (or the failure is permanent): the job shows the error and the chain halts until retried.</summary>
    public async Task<JobProgress> FailAsync(AutomationRun run, string error, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginJobScope(run.FirmId, run.JobId);
        Telemetry.AutomationFailures.Add(1);
        Log.AutomationFailed(logger, run.FirmId, run.JobId, run.EntrySeq, run.AutomationId, error);
        var result = await engine.TransitionAsync(run.FirmId, run.JobId, null, c =>
            JobMachine.IsCurrent(c.Job, run.EntrySeq, run.Index, run.AutomationId, run.Retries)
                ? JobWrite.Of(JobMachine.AutomationFailed(c.Job, run.EntrySeq, run.Index, error, engine.Now))
                : null, cancellationToken);
        return await ProgressAsync(result?.Job, cancellationToken);
    }

    /// <summary>
    /// Where the job stands: the automation its row waits for while a chain runs; else, for an active job,
    /// the reminders it still has to send. A job that is gone, completed or archived has ended.
    /// </summary>
    private async Task<JobProgress> ProgressAsync(Versioned<Job>? row, CancellationToken cancellationToken)
    {
        var now = engine.Now;
        if (row?.Value is not { Status: JobStatus.Active } job) return new JobProgress(null, Ended: true, [], now);
        if (job.Automation == AutomationState.Running)
        {
            var next = new AutomationRun(job.FirmId, job.Id, job.EntrySeq, job.NextAutomation, job.NextAutomationId ?? "", job.Retries);
            return new JobProgress(next, false, [], now);
        }
        var reminders = job.HasReminders ? await store.PendingRemindersAsync(job.FirmId, job.Id, cancellationToken) : [];
        return new JobProgress(null, false, reminders.Select(r => new ReminderDue(r.ItemId, r.NextSequence, r.NextDueAt)).ToList(), now,
            job is { StageOverdue: false, StageDueAt: { } limit } ? new StageLimit(job.EntrySeq, limit) : null);
    }

    /// <summary>The stage's time limit passed: flag the entry and tell the assignees, in one transaction, once.</summary>
    public async Task FlagStageOverdueAsync(StageLimitRun run, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginJobScope(run.FirmId, run.JobId);
        Telemetry.RecordTimerLag("stage_limit", run.DueAt, engine.Now);
        await engine.TransitionAsync(run.FirmId, run.JobId, null, c => JobMachine.StageOverdue(c.Job, run.EntrySeq, c.Pipeline, engine.Now) is var t
            && t.Job != c.Job ? JobWrite.Of(t) : null, cancellationToken);
    }
}
