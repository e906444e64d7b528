using ClientHub.Core.Jobs;
using ClientHub.Functions.Email;
using ClientHub.Storage;

namespace ClientHub.Functions.Jobs;

/// <summary>
/// One step of a stage entry's automation chain: run automation #k, then in one transaction advance
/// the job, store what the automation created and enqueue #k+1 (or finish the entry and evaluate
/// automove). A delivery for a step that is no longer the job's next one does nothing.
/// </summary>
public sealed class AutomationStep(JobEngine engine, AutomationRunner runner, ILogger<AutomationStep> logger)
{
    public async Task RunAsync(AutomationMessage run, CancellationToken cancellationToken)
    {
        try
        {
            await engine.TransitionAsync(run.FirmId, run.JobId, null, async c =>
            {
                if (!JobMachine.IsCurrent(c.Job, run.EntrySeq, run.Index, run.AutomationId))
                {
                    EngineLog.StaleAutomation(logger, run.JobId, run.EntrySeq, run.AutomationId);
                    return null;
                }
                var stage = c.Pipeline.Find(c.Job.StageId);
                // Found by id: an edit of the pipeline may have moved it since the chain asked for it.
                var automation = stage?.Automations.FirstOrDefault(a => a.Id == run.AutomationId);
                if (automation is null)
                {
                    // The pipeline was edited under the entry: what was to run is gone, so the chain moves on.
                    var gone = new HistoryEntry(engine.Now, HistoryKinds.AutomationSkipped, c.Job.StageId, c.Job.StageId, Actor.System, $"{run.AutomationId}: removed from the stage");
                    return JobWrite.Of(JobMachine.AutomationDone(c.Job, c.Pipeline, run.EntrySeq, run.Index, j => j, gone, c.Account, engine.Now));
                }
                var outcome = await runner.RunAsync(c.Job, automation, c.Account, run, cancellationToken);
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
                    var nextOutcome = await runner.RunAsync(transition.Job, following, outcome.Account, nextRun, cancellationToken);
                    var before = transition with { Effects = transition.Effects.Where(e => e != next).ToList() };
                    transition = before.Then(j => Done(c with { Current = c.Current with { Value = j } }, nextRun, following, nextOutcome));
                    rows.AddRange(nextOutcome.Rows);
                    outcome = nextOutcome;
                }
                return new JobWrite(transition, rows);
            }, cancellationToken);
        }
        catch (EmailSendFailed failed) when (!failed.Transient)
        {
            // SendGrid refused for good: retrying cannot help, so the automation fails at once.
            await FailAsync(run, failed.Message, cancellationToken);
        }
    }

    private Transition Done(JobContext c, AutomationMessage run, Core.Pipelines.Automation automation, AutomationOutcome outcome)
    {
        var record = new HistoryEntry(engine.Now, outcome.Skipped ? HistoryKinds.AutomationSkipped : HistoryKinds.Automation,
            c.Job.StageId, c.Job.StageId, Actor.System, $"{automation.Type} {automation.Id}: {outcome.Detail}");
        var done = JobMachine.AutomationDone(c.Job, c.Pipeline, run.EntrySeq, run.Index, outcome.Change, record, outcome.Account, engine.Now);
        return done with { Effects = [.. outcome.Effects, .. done.Effects] };
    }

    /// <summary>The queue gave up (or the failure is permanent): the job shows the error and the chain halts until retried.</summary>
    public async Task FailAsync(AutomationMessage run, string error, CancellationToken cancellationToken)
    {
        EngineLog.AutomationFailed(logger, run.FirmId, run.JobId, run.EntrySeq, run.AutomationId, error);
        await engine.TransitionAsync(run.FirmId, run.JobId, null, c =>
            JobMachine.IsCurrent(c.Job, run.EntrySeq, run.Index, run.AutomationId, run.Retries)
                ? JobWrite.Of(JobMachine.AutomationFailed(c.Job, run.EntrySeq, run.Index, error, engine.Now))
                : null, cancellationToken);
    }
}
