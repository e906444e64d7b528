using ClientHub.Core;
using ClientHub.Functions.Hosting;
using ClientHub.Functions.Http.Testing;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Exceptions;

namespace ClientHub.Functions.Recurrences;

/// <summary>
/// The client side of the recurrences' orchestrations: start or wake one, wake one when a job it created is completed
/// (next on completion), and (test clock) make every recurrence look at the new time.
/// </summary>
public sealed class RecurrenceOrchestrations(TaskHubClient client, AzureStorageOrchestrationService service, JobStore store, TimeProvider time,
    ILogger<RecurrenceOrchestrations> logger) : IDueWorkRunner, IJobEventListener
{
    /// <summary>Every recurrence's instance id starts so; a job's (<c>{firmId}|{jobId}</c>) never does.</summary>
    public const string InstancePrefix = "recurrence|";

    /// <summary>How long the test clock waits for the recurrences it woke to have created the jobs now due.</summary>
    private static readonly TimeSpan ClockWait = TimeSpan.FromSeconds(60);

    public static string InstanceId(FirmId firmId, string recurrenceId) => $"{InstancePrefix}{firmId}|{recurrenceId}";

    /// <summary>
    /// Starts the recurrence's orchestration, or wakes it when it runs (after a change). Safe to repeat. <paramref name="fresh"/>:
    /// the recurrence is about to be stored, and the orchestration waits for it (<see cref="RecurrenceOrchestration.Fresh"/>).
    /// </summary>
    public async Task StartOrWakeAsync(FirmId firmId, string recurrenceId, bool fresh = false)
    {
        var instanceId = InstanceId(firmId, recurrenceId);
        try
        {
            await client.CreateOrchestrationInstanceAsync(RecurrenceOrchestrator.Name, "", instanceId,
                new RecurrenceOrchestration(firmId, recurrenceId, Fresh: fresh), tags: null, dedupeStatuses: ClockWakes.Alive);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            await WakeAsync(instanceId, new RecurrenceWake());
        }
    }

    /// <summary>Wakes the recurrence's orchestration, if it runs: a deleted recurrence's then ends.</summary>
    public Task WakeAsync(FirmId firmId, string recurrenceId) => WakeAsync(InstanceId(firmId, recurrenceId), new RecurrenceWake());

    /// <summary>
    /// A completed job a recurrence created wakes the recurrence, which creates that account's next period when it is next on completion.
    /// </summary>
    public async Task OnJobEventAsync(JobEventMessage message, CancellationToken cancellationToken)
    {
        if (message.Type != "job.completed") return;
        if ((await store.GetAsync(message.FirmId, message.JobId, cancellationToken))?.Value is not { Recurrence: { } from } job) return;
        var completed = new CompletedPeriod(job.AccountId, from.Series, from.Period);
        await WakeAsync(InstanceId(message.FirmId, from.RecurrenceId), new RecurrenceWake(Completed: completed));
    }

    /// <summary>
    /// The test clock moved: every recurrence is woken with the new time, creates the jobs now due, and this returns once each
    /// has (or after <see cref="ClockWait"/>).
    /// </summary>
    public async Task RunDueAsync(CancellationToken cancellationToken)
    {
        var clock = time.GetUtcNow().UtcTicks;
        if (!await ClockWakes.WakeAllAsync(client, service, RecurrenceOrchestrator.Name, InstancePrefix,
                instanceId => WakeAsync(instanceId, new RecurrenceWake(clock)), clock, ClockWait, cancellationToken))
            Log.RecurrenceClockNotHeard(logger, ClockWait);
    }

    /// <summary>Raised on the instance, not on one execution of it: an execution that continued as new meanwhile would drop it.</summary>
    private Task WakeAsync(string instanceId, RecurrenceWake wake) =>
        client.RaiseEventAsync(new OrchestrationInstance { InstanceId = instanceId }, RecurrenceOrchestrator.WakeEvent, wake);
}
