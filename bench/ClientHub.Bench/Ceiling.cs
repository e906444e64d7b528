using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace ClientHub.Bench;

/// <summary>One concurrency level of the ceiling: how many minimal automations Azurite completed, and what they cost.</summary>
public sealed record CeilingLevel(int InFlight, int Rounds, TimeSpan Elapsed, int Requests, int EmptyReceives, TimeSpan RoundP50, TimeSpan RoundP99)
{
    public double PerSecond => Rounds / Elapsed.TotalSeconds;
}

/// <summary>The ceiling of a run: every level measured, and the best, which is what the scenario is compared with.</summary>
public sealed record CeilingResult(IReadOnlyList<CeilingLevel> Levels)
{
    public CeilingLevel Best => Levels.MaxBy(l => l.PerSecond)!;
}

/// <summary>
/// The "minimal automation" on the same Azurite as the scenario: one queue round trip (send, receive, delete) and one
/// three-entity transaction in one partition, with a fixed number of rounds in flight. No engine can run an automation
/// with less durable work than this (it must hand the step to a queue and commit its outcome), so the rate is the
/// ceiling the scenario's automations/s is divided by. It uses only the storage SDK, so it does not change with the engine.
/// </summary>
public static class Ceiling
{
    /// <summary>16 is the host's queue batchSize (with newBatchThreshold 8 up to 24 are in flight); 32 shows whether more would help.</summary>
    public static readonly int[] InFlightLevels = [16, 32];

    private const int MaxRounds = 2_000;
    private static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(10);

    // Roughly the sizes of a job commit: the job row's JSON, a history entry, an outbox row. A queue message names a job and a step.
    private static readonly string JobRowData = new('j', 1_000), SmallRowData = new('h', 200);
    private const string Message = """{"firmId":"f0000000000000000000000000","jobId":"j0000000000000000000000000","entrySeq":1,"automation":3}""";

    public static async Task<CeilingResult> MeasureAsync(string connectionString, string prefix, CancellationToken cancellationToken)
    {
        var levels = new List<CeilingLevel>();
        foreach (var inFlight in InFlightLevels) levels.Add(await MeasureLevelAsync(connectionString, prefix, inFlight, cancellationToken));
        return new CeilingResult(levels);
    }

    private static async Task<CeilingLevel> MeasureLevelAsync(string connectionString, string prefix, int inFlight,
        CancellationToken cancellationToken)
    {
        // Clients of their own with their own counter: the ceiling's requests are not the host's, and the count checks that a round is 4 requests.
        var ops = new StorageOps(prefix);
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        queueOptions.AddPolicy(ops.PolicyFor("queue"), HttpPipelinePosition.PerRetry);
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(ops.PolicyFor("table"), HttpPipelinePosition.PerRetry);
        // Fresh names per level, so a level never sees the previous level's rows or leftover messages.
        var queue = new QueueClient(connectionString, $"{prefix}-ceiling{inFlight}", queueOptions);
        var table = new TableClient(connectionString, $"{prefix}ceiling{inFlight}", tableOptions);
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await table.CreateIfNotExistsAsync(cancellationToken);
        try
        {
            // One untimed round per slot first: connections, JIT and Azurite's first writes to a new queue and table are not the ceiling.
            await Task.WhenAll(Enumerable.Range(0, inFlight).Select(slot => RoundAsync(queue, table, $"w{slot}", () => { }, cancellationToken)));

            var before = ops.Snapshot().Values.Sum();
            var claimed = 0;
            var empty = 0;
            var latencies = new ConcurrentBag<TimeSpan>();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async slot =>
            {
                while (clock.Elapsed < MaxDuration && Interlocked.Increment(ref claimed) is var round && round <= MaxRounds)
                {
                    var started = clock.Elapsed;
                    await RoundAsync(queue, table, $"r{round}", () => Interlocked.Increment(ref empty), cancellationToken);
                    latencies.Add(clock.Elapsed - started);
                }
            }));
            var elapsed = clock.Elapsed;
            var requests = ops.Snapshot().Values.Sum() - before;
            var sorted = latencies.Order().ToList();
            return new CeilingLevel(inFlight, sorted.Count, elapsed, requests, empty, Report.Percentile(sorted, 50), Report.Percentile(sorted, 99));
        }
        finally
        {
            await queue.DeleteIfExistsAsync(CancellationToken.None);
            await table.DeleteAsync(CancellationToken.None);
        }
    }

    /// <summary>Send, receive, delete, then commit three rows in one new partition, as an automation step does at the least.</summary>
    private static async Task RoundAsync(QueueClient queue, TableClient table, string partition, Action onEmptyReceive,
        CancellationToken cancellationToken)
    {
        await queue.SendMessageAsync(Message, cancellationToken);
        while (true)
        {
            // Slots share the queue, so a slot may take another's message; it finds one, because every slot sends before it receives.
            var received = (await queue.ReceiveMessageAsync(TimeSpan.FromSeconds(30), cancellationToken)).Value;
            if (received is not null)
            {
                await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt, cancellationToken);
                break;
            }
            onEmptyReceive();
        }
        await table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, "job") { ["Data"] = JobRowData }),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, "history") { ["Data"] = SmallRowData }),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, "outbox") { ["Data"] = SmallRowData }),
        ], cancellationToken);
    }
}
