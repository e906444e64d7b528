using ClientHub.Functions.Hosting;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Timers;

/// <summary>
/// Re-dispatches outbox rows a crashed process left between its transaction and its dispatch.
/// Rows are judged by the storage server's <c>Timestamp</c>, so the age is measured on the real
/// clock, not on the (possibly advanced) test clock.
/// </summary>
internal sealed class OutboxSweeperTrigger(JobStore store, OutboxDispatcher dispatcher, IOptions<EngineOptions> options, ILogger<OutboxSweeperTrigger> logger) : ITimerTrigger
{
    public const string Name = "outbox-sweeper";

    public async Task RunAsync(TimerTriggerInfo timer, CancellationToken cancellationToken)
    {
        var olderThan = TimeProvider.System.GetUtcNow() - options.Value.OutboxSweepAge;
        var rows = new List<OutboxRow>();
        await foreach (var row in store.StaleOutboxAsync(olderThan, cancellationToken)) rows.Add(row);
        foreach (var partition in rows.GroupBy(r => r.PartitionKey))
        {
            try
            {
                await dispatcher.DispatchAsync(partition.ToList(), fromSweeper: true, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One job's trouble must not hold up the others; its rows stay for the next sweep.
                EngineLog.SweepFailed(logger, e);
            }
        }
    }
}
