using ClientHub.Core;
using ClientHub.Functions.Hosting;
using Microsoft.DurableTask;

namespace ClientHub.Functions.Recurrences;

/// <summary>The input of one execution of a recurrence's orchestration (each <c>ContinueAsNew</c> starts the next).</summary>
/// <param name="Clock">The test clock's last advance this orchestration has heard of (ticks); 0 in production.</param>
/// <param name="Completed">A job of the recurrence that was completed (next on completion), when the wake said so.</param>
/// <param name="Pending">Jobs of a period already claimed that an outage kept from being created: the next execution creates them first.</param>
/// <param name="Fresh">
/// Started by <c>POST</c> before the recurrence is stored: a recurrence not found yet is waited for (<see cref="RecurrenceOrchestrator.FirstLook"/>)
/// rather than taken for deleted, so a crash between the two leaves no recurrence without its orchestration.
/// </param>
public sealed record RecurrenceOrchestration(FirmId FirmId, string RecurrenceId, long Clock = 0, CompletedPeriod? Completed = null,
    PeriodJobs? Pending = null, bool Fresh = false);

/// <summary>The payload of a <see cref="RecurrenceOrchestrator.WakeEvent"/>: look at the recurrence and the time again.</summary>
public sealed record RecurrenceWake(long Clock = 0, CompletedPeriod? Completed = null);

/// <summary>The account, series and period of a recurrence's job that was completed.</summary>
public sealed record CompletedPeriod(string AccountId, int Series, int Period);

/// <summary>The input of <see cref="RecurrenceTickActivity"/>.</summary>
public sealed record RecurrenceTick(FirmId FirmId, string RecurrenceId, CompletedPeriod? Completed);

/// <summary>
/// The jobs of one period for some of the recurrence's accounts (the input of <see cref="CreateRecurrenceJobsActivity"/>).
/// </summary>
/// <param name="Date">The period's date: the jobs' due date, and what <c>[YEAR]</c>, <c>[MONTH]</c>, <c>[QUARTER]</c> name.</param>
/// <param name="Detail">The detail of each job's <c>added</c> history entry (the period, and any skipped ones).</param>
public sealed record PeriodJobs(FirmId FirmId, string RecurrenceId, int Series, int Period, DateOnly Date, IReadOnlyList<string> AccountIds,
    string Detail);

/// <summary>What a tick found: the recurrence is gone, or these jobs are due, and when to look again (host time).</summary>
/// <param name="NextRunAt">When the calendar creates the next period's jobs; null while paused or once completions drive it.</param>
/// <param name="Now">The host's time (the test clock's when it is on) at which the tick looked.</param>
public sealed record RecurrencePlan(bool Ended, PeriodJobs? Jobs, DateTimeOffset? NextRunAt, DateTimeOffset Now);

/// <summary>
/// A recurrence's orchestration: one small eternal instance per recurrence (<see cref="RecurrenceOrchestrations.InstanceId"/>), from
/// its creation until it is deleted. Each execution asks the tick what is due, creates those jobs in bounded batches, then sleeps
/// on a durable timer until the next period (at most a day) or a wake (a change, a deletion, a completed job, the test clock),
/// and continues as new, so its history stays a handful of events however long it lives.
/// </summary>
/// <remarks>
/// The recurrence document stays the one authoritative view: the tick claims a period there (with <c>If-Match</c>) before its
/// jobs are created, and each job's id is derived from (recurrence, series, account, period), so a doubled wake, a replayed
/// activity or a second instance racing this one conflicts with the job that exists already (and adds nothing), never a twin.
/// Like every orchestrator it is deterministic: the host's time comes from the tick, as the test clock needs.
/// </remarks>
public sealed class RecurrenceOrchestrator : TaskOrchestrator<RecurrenceOrchestration, string>
{
    public const string Name = "Recurrence";
    public const string WakeEvent = "wake";

    /// <summary>Accounts per activity call, and how many such calls run at once: a thousand accounts is 20 calls, 4 at a time.</summary>
    public const int BatchSize = 50, ParallelBatches = 4;

    private static readonly TaskOptions Retry = EternalOrchestration.Retry;

    /// <summary>How long a fresh orchestration waits for its recurrence to be stored before it takes it for never created.</summary>
    public static readonly TimeSpan FirstLook = TimeSpan.FromMinutes(1);

    /// <remarks>
    /// Storage trouble beyond every retry must not strand the recurrence: it looks again a little later, first creating the jobs
    /// of a period it had claimed and not finished (a claim is never lost, and a job never created twice: their ids are derived).
    /// </remarks>
    public override Task<string> RunAsync(TaskOrchestrationContext context, RecurrenceOrchestration input)
    {
        var pending = input.Pending;
        return context.SurvivingOutagesAsync(() => RunOnceAsync(context, input, jobs => pending = jobs),
            () => context.ContinueAsNew(input with { Pending = pending }, preserveUnprocessedEvents: true));
    }

    /// <param name="pending">Told the jobs claimed and not yet all created, then null once they are.</param>
    private static async Task<string> RunOnceAsync(TaskOrchestrationContext context, RecurrenceOrchestration input, Action<PeriodJobs?> pending)
    {
        if (input.Pending is { } left) await CreateJobsAsync(context, left, pending);
        var tick = new RecurrenceTick(input.FirmId, input.RecurrenceId, input.Completed);
        var plan = await context.CallActivityAsync<RecurrencePlan>(RecurrenceTickActivity.Name, tick, Retry);
        if (plan.Ended && input.Fresh)
        {
            using var stored = new CancellationTokenSource();
            await Task.WhenAny(context.WaitForExternalEvent<RecurrenceWake>(WakeEvent, stored.Token),
                context.CreateTimer(context.CurrentUtcDateTime + FirstLook, stored.Token));
            stored.Cancel();
            context.ContinueAsNew(input with { Fresh = false }, preserveUnprocessedEvents: true);
            return "";
        }
        if (plan.Ended) return "ended";
        if (plan.Jobs is { } jobs) await CreateJobsAsync(context, jobs, pending);

        // The test clock waits for this before it answers: the jobs now due have been created by then.
        context.SetCustomStatus(input.Clock);
        using var cancel = new CancellationTokenSource();
        var wake = context.WaitForExternalEvent<RecurrenceWake>(WakeEvent, cancel.Token);
        var sleep = plan.NextRunAt is { } next ? EternalOrchestration.Sleep(next - plan.Now) : EternalOrchestration.LongestSleep;
        var timer = context.CreateTimer(context.CurrentUtcDateTime + sleep, cancel.Token);
        await Task.WhenAny(wake, timer);
        cancel.Cancel();
        context.ContinueAsNew(wake.IsCompletedSuccessfully
            ? input with { Clock = Math.Max(input.Clock, wake.Result.Clock), Completed = wake.Result.Completed, Pending = null, Fresh = false }
            : input with { Completed = null, Pending = null, Fresh = false }, preserveUnprocessedEvents: true);
        return "";
    }

    /// <summary>A period's jobs in batches of <see cref="BatchSize"/> accounts, <see cref="ParallelBatches"/> batches at a time.</summary>
    private static async Task CreateJobsAsync(TaskOrchestrationContext context, PeriodJobs jobs, Action<PeriodJobs?> pending)
    {
        pending(jobs);
        var batches = jobs.AccountIds.Chunk(BatchSize).Select(ids => jobs with { AccountIds = ids }).ToList();
        foreach (var round in batches.Chunk(ParallelBatches))
            await Task.WhenAll(round.Select(batch => context.CallActivityAsync<int>(CreateRecurrenceJobsActivity.Name, batch, Retry)));
        pending(null);
    }
}

/// <summary>Reads the recurrence, claims the period now due (or the next one after a completed job), and says when to look again.</summary>
public sealed class RecurrenceTickActivity(RecurrenceRunner runner) : TaskActivity<RecurrenceTick, RecurrencePlan>
{
    public const string Name = "RecurrenceTick";

    public override Task<RecurrencePlan> RunAsync(TaskActivityContext context, RecurrenceTick input) =>
        runner.TickAsync(input, CancellationToken.None);
}

/// <summary>Creates one batch of a period's jobs; those that exist already are left as they are. Returns how many it created.</summary>
public sealed class CreateRecurrenceJobsActivity(RecurrenceRunner runner) : TaskActivity<PeriodJobs, int>
{
    public const string Name = "CreateRecurrenceJobs";

    public override Task<int> RunAsync(TaskActivityContext context, PeriodJobs input) => runner.CreateJobsAsync(input, CancellationToken.None);
}
