using DurableTask.AzureStorage;
using DurableTask.AzureStorage.Tracking;
using DurableTask.Core;

namespace ClientHub.Functions.Hosting;

/// <summary>
/// The test clock's side of durable timers, for every orchestration that holds some: DTFx fires a timer on the real
/// clock, so after the host's clock moved each live orchestration is woken with the new time (ticks), looks at its
/// timers again, and records the time it heard as its custom status before it sleeps.
/// </summary>
public static class ClockWakes
{
    /// <summary>States in which an instance is alive: it is woken, not started again.</summary>
    public static readonly OrchestrationStatus[] Alive = [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended];

    /// <summary>
    /// Wakes and checks this many instances at once: one at a time, thousands of instances took minutes (each a storage
    /// round trip); all at once would flood Azurite and the instances' own work with requests.
    /// </summary>
    private const int InFlight = 16;

    private static readonly TimeSpan FirstCheckPause = TimeSpan.FromMilliseconds(100), LongestCheckPause = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Wakes every live instance of <paramref name="orchestration"/> (whose id starts with <paramref name="instanceIdPrefix"/>, when
    /// given) through <paramref name="wake"/>, then waits until each has heard <paramref name="clock"/> or ended. False when
    /// <paramref name="wait"/> ran out first.
    /// </summary>
    public static async Task<bool> WakeAllAsync(TaskHubClient client, AzureStorageOrchestrationService service, string orchestration,
        string? instanceIdPrefix, Func<string, Task> wake, long clock, TimeSpan wait, CancellationToken cancellationToken)
    {
        var woken = new List<string>();
        string? continuation = null;
        var query = new OrchestrationInstanceStatusQueryCondition { RuntimeStatus = Alive, InstanceIdPrefix = instanceIdPrefix };
        var waking = new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = cancellationToken };
        do
        {
            var page = await service.GetOrchestrationStateAsync(query, 100, continuation, cancellationToken);
            var instanceIds = page.OrchestrationState.Where(s => s.Name == orchestration).Select(s => s.OrchestrationInstance.InstanceId).ToList();
            await Parallel.ForEachAsync(instanceIds, waking, async (instanceId, _) => await wake(instanceId));
            woken.AddRange(instanceIds);
            continuation = page.ContinuationToken;
        } while (continuation is not null);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(wait);
        var checking = new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = deadline.Token };
        try
        {
            await Parallel.ForEachAsync(woken, checking, async (instanceId, c) =>
            {
                // Backing off: 16 checks every 100 ms made a fifth of Azurite's requests while 100 reminders fired (bench reminders).
                for (var pause = FirstCheckPause; !await HasHeardAsync(client, instanceId, clock); pause = Min(pause * 2, LongestCheckPause))
                    await Task.Delay(pause, c);
            });
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The orchestration has ended, or is waiting again with <paramref name="clock"/> (or a later one) heard.</summary>
    private static async Task<bool> HasHeardAsync(TaskHubClient client, string instanceId, long clock)
    {
        var state = await client.GetOrchestrationStateAsync(instanceId);
        return state is null || !Alive.Contains(state.OrchestrationStatus) || (long.TryParse(state.Status, out var heard) && heard >= clock);
    }
}
