using ClientHub.Core;
using ClientHub.Functions.Hosting;
using ClientHub.Functions.Http.Testing;
using ClientHub.Storage;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Exceptions;

namespace ClientHub.Functions.Jobs;

/// <summary>The client side of the jobs' orchestrations: start or wake one, and (test clock) make due timers fire.</summary>
public sealed class JobOrchestrations(TaskHubClient client, AzureStorageOrchestrationService service, TimeProvider time,
    ILogger<JobOrchestrations> logger) : IDueWorkRunner
{
    /// <summary>How long the test clock waits for the orchestrations it woke to have fired their due timers.</summary>
    private static readonly TimeSpan ClockWait = TimeSpan.FromSeconds(30);

    /// <summary>One orchestration per job: its id is the job's partition key.</summary>
    public static string InstanceId(FirmId firmId, JobId jobId) => JobStore.PartitionKey(firmId, jobId);

    /// <summary>
    /// Asks the job's orchestration to run <paramref name="run"/>, starting it when it does not run (the job's
    /// first entry, or an orchestration that ended). Safe to repeat: the orchestration follows the job's row.
    /// </summary>
    public Task WakeAsync(AutomationRun run, CancellationToken cancellationToken) => StartOrWakeAsync(run.FirmId, run.JobId, run);

    /// <summary>Makes sure the job's orchestration runs (to hold a timer of its entry), starting it when it does not.</summary>
    public Task WatchAsync(FirmId firmId, JobId jobId, CancellationToken cancellationToken) => StartOrWakeAsync(firmId, jobId, null);

    private async Task StartOrWakeAsync(FirmId firmId, JobId jobId, AutomationRun? run)
    {
        var instanceId = InstanceId(firmId, jobId);
        try
        {
            await client.CreateOrchestrationInstanceAsync(JobOrchestrator.Name, "", instanceId, new JobOrchestration(firmId, jobId, run),
                tags: null, dedupeStatuses: ClockWakes.Alive);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            await WakeAsync(instanceId, new JobWake(run));
        }
    }

    /// <summary>Asks the job's orchestration, if it runs, to look at the job's row again (and end, once the job has).</summary>
    public Task NudgeAsync(FirmId firmId, JobId jobId) => WakeAsync(InstanceId(firmId, jobId), new JobWake(null));

    /// <summary>
    /// Raises <see cref="JobOrchestrator.WakeEvent"/> on the instance, not on one execution of it: an execution that has
    /// continued as new meanwhile would drop an event addressed to it.
    /// </summary>
    private Task WakeAsync(string instanceId, JobWake wake) =>
        client.RaiseEventAsync(new OrchestrationInstance { InstanceId = instanceId }, JobOrchestrator.WakeEvent, wake);

    /// <summary>
    /// The test clock moved: every job orchestration is woken with the new time, looks at its reminders again and
    /// sends those now due; this returns once each has (or after <see cref="ClockWait"/>).
    /// </summary>
    public async Task RunDueAsync(CancellationToken cancellationToken)
    {
        var clock = time.GetUtcNow().UtcTicks;
        if (!await ClockWakes.WakeAllAsync(client, service, JobOrchestrator.Name, instanceIdPrefix: null,
                instanceId => WakeAsync(instanceId, new JobWake(null, clock)), clock, ClockWait, cancellationToken))
            Log.ClockNotHeard(logger, ClockWait);
    }
}
