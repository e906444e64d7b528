using Azure;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Firms;
using ClientHub.Core.Jobs;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Recurrences;
using ClientHub.Core.Templates;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;

namespace ClientHub.Functions.Recurrences;

/// <summary>
/// What the recurrence's activities do: a tick decides (with <see cref="RecurrenceRules"/>) which period is due and claims it on
/// the recurrence document; a batch creates that period's jobs through <see cref="JobEngine.AddAsync"/> under derived ids.
/// </summary>
public sealed class RecurrenceRunner(FirmDocuments documents, JobEngine engine, FirmClock clock, TimeProvider time,
    ILogger<RecurrenceRunner> logger)
{
    /// <summary>Each round of conflicting writers (a PATCH, a second tick) lets one through.</summary>
    private const int MaxAttempts = 20;

    /// <summary>Job inserts in flight per batch.</summary>
    private const int Parallelism = 8;

    public async Task<RecurrencePlan> TickAsync(RecurrenceTick tick, CancellationToken cancellationToken)
    {
        var zone = await clock.ZoneAsync(tick.FirmId, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var stored = await documents.GetAsync<Recurrence>(tick.FirmId, DocumentKinds.Recurrence, tick.RecurrenceId, cancellationToken);
            var now = time.GetUtcNow();
            if (stored?.Value is not { } recurrence) return new RecurrencePlan(Ended: true, null, null, now);
            if (tick.Completed is { } completed)
                return new RecurrencePlan(false, AfterCompletion(tick.FirmId, recurrence, completed, zone),
                    RecurrenceRules.NextRunAt(recurrence, zone), now);
            if (RecurrenceRules.Claim(recurrence, zone, now) is not { } claim)
                return new RecurrencePlan(false, null, RecurrenceRules.NextRunAt(recurrence, zone), now);
            try
            {
                await documents.ReplaceAsync(tick.FirmId, DocumentKinds.Recurrence, recurrence.Id, claim.Claimed, stored.ETag, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404 && attempt < MaxAttempts)
            {
                continue; // changed (or deleted) since it was read: decide again against what is there now
            }
            var schedule = recurrence.ScheduleIn(zone);
            var jobs = new PeriodJobs(tick.FirmId, recurrence.Id, recurrence.Series, claim.Due.Period, schedule.DateOf(claim.Due.Period),
                recurrence.AccountIds, RecurrenceRules.Detail(recurrence.Id, schedule, claim.Due));
            return new RecurrencePlan(false, jobs, RecurrenceRules.NextRunAt(claim.Claimed, zone), now);
        }
    }

    /// <summary>
    /// Next on completion: the period after the completed one, for that account only. A completion of another series' job (the
    /// schedule changed since), of an account no longer listed, or while paused creates nothing.
    /// </summary>
    private static PeriodJobs? AfterCompletion(FirmId firmId, Recurrence recurrence, CompletedPeriod completed, TimeZoneInfo zone)
    {
        if (!recurrence.NextOnCompletion || recurrence.Paused || completed.Series != recurrence.Series
            || !recurrence.AccountIds.Contains(completed.AccountId))
            return null;
        var schedule = recurrence.ScheduleIn(zone);
        var next = new DuePeriod(completed.Period + 1, completed.Period + 1, 0);
        return new PeriodJobs(firmId, recurrence.Id, recurrence.Series, next.Period, schedule.DateOf(next.Period), [completed.AccountId],
            RecurrenceRules.Detail(recurrence.Id, schedule, next) + ", after the previous job was completed");
    }

    /// <summary>
    /// Creates the batch's jobs, each under the id derived from (recurrence, series, account, period): one that exists already
    /// (a replayed activity, a doubled tick) finds the job its insert conflicts with, and adds nothing. Nothing is created once
    /// the recurrence is deleted, paused or rescheduled, nor for an account deleted since.
    /// </summary>
    public async Task<int> CreateJobsAsync(PeriodJobs batch, CancellationToken cancellationToken)
    {
        var recurrence = (await documents.GetAsync<Recurrence>(batch.FirmId, DocumentKinds.Recurrence, batch.RecurrenceId, cancellationToken))?.Value;
        if (recurrence is null || recurrence.Paused || recurrence.Series != batch.Series) return 0;
        var pipeline = (await documents.GetAsync<Pipeline>(batch.FirmId, DocumentKinds.Pipeline, recurrence.PipelineId, cancellationToken))?.Value;
        var template = (await documents.GetAsync<Template>(batch.FirmId, DocumentKinds.Template, recurrence.JobTemplateId, cancellationToken))?.Value;
        if (pipeline is null || template is not JobTemplate jobTemplate)
        {
            Log.RecurrenceCannotCreate(logger, batch.FirmId, batch.RecurrenceId, batch.Period);
            return 0;
        }
        var created = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(batch.AccountIds, options, async (accountId, token) =>
        {
            if ((await documents.GetAsync<Account>(batch.FirmId, DocumentKinds.Account, accountId, token))?.Value is not { } account) return;
            var draft = Draft(batch, pipeline, jobTemplate, account);
            var added = await engine.AddAsync(draft, pipeline, account, stageId: null, visible: null, Actor.Recurrence, token, batch.Detail);
            // A job created already (exactly one per account and period) comes back as it is, with no outbox of this call's.
            if (added.Outbox.Count > 0) Interlocked.Increment(ref created);
        });
        return created;
    }

    /// <summary>The id of a recurrence's job for one account and period, the same however often it is computed.</summary>
    public static JobId JobIdFor(FirmId firmId, string recurrenceId, int series, string accountId, int period) =>
        new(Ids.Derived($"recurrence|{firmId}|{recurrenceId}|{series}|{accountId}|{period}"));

    /// <summary>
    /// The job from the template, about the period: named after the period's date, due on it (or <c>dueInDays</c> after it),
    /// starting <c>startInDays</c> after it when the template says.
    /// </summary>
    private static Job Draft(PeriodJobs batch, Pipeline pipeline, JobTemplate template, Account account) => new()
    {
        Id = JobIdFor(batch.FirmId, batch.RecurrenceId, batch.Series, account.Id, batch.Period),
        FirmId = batch.FirmId,
        Name = JobTemplating.Name(template.JobName, account.Name, batch.Date),
        AccountId = account.Id,
        AccountName = account.Name,
        PipelineId = pipeline.Id,
        StageId = "",
        AssigneeIds = template.AssigneeIds,
        Priority = JobTemplating.PriorityOf(template),
        StartDate = template.StartInDays is { } start ? batch.Date.AddDays(start) : null,
        DueDate = batch.Date.AddDays(template.DueInDays ?? 0),
        ClientFacing = JobTemplating.ClientFacingOf(template, visible: null),
        Recurrence = new JobRecurrence(batch.RecurrenceId, batch.Series, batch.Period),
    };
}
