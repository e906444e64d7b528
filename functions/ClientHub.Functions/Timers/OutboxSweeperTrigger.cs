using ClientHub.Functions.Hosting;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Timers;

/// <summary>
/// Re-dispatches outbox rows a crashed process left between its transaction and its dispatch. It
/// looks only into the job partitions <see cref="OutboxMarks"/> names, never across the jobs table.
/// Rows and marks are judged by the storage server's <c>Timestamp</c>, so ages are measured on the
/// real clock, not on the (possibly advanced) test clock.
/// </summary>
internal sealed class OutboxSweeperTrigger(
    JobStore store, OutboxDispatcher dispatcher, IOptions<EngineOptions> options, ILogger<OutboxSweeperTrigger> logger) : ITimerTrigger
{
    public const string Name = "outbox-sweeper";

    public async Task RunAsync(TimerTriggerInfo timer, CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        var olderThan = now - options.Value.OutboxSweepAge;
        // Usually only partitions marked a while ago are looked into. In the runs due in the first seconds of
        // a minute young marks are too: busy instances refreshing a mark over and over would otherwise hide
        // the rows a crashed one left under it.
        var everyMark = timer.ScheduledFor.Second < options.Value.OutboxSweepAge.TotalSeconds;
        var marks = new List<OutboxMark>();
        await foreach (var mark in store.Marks.OlderThanAsync(everyMark ? now : olderThan, cancellationToken)) marks.Add(mark);
        foreach (var mark in marks)
        {
            try
            {
                var outbox = await store.OutboxAsync(mark.PartitionKey, cancellationToken);
                var stale = outbox.Where(o => o.WrittenAt < olderThan).Select(o => o.Row).ToList();
                if (stale.Count > 0) await dispatcher.DispatchAsync(stale, fromSweeper: true, cancellationToken);
                else if (outbox.Count == 0 && now - mark.WrittenAt >= store.Marks.Lifetime) await store.Marks.RemoveAsync(mark, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One job's trouble must not hold up the others; its rows and mark stay for the next sweep.
                Log.SweepFailed(logger, e);
            }
        }
    }
}
