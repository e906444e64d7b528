using System.Diagnostics;
using Azure.Storage.Queues;

namespace ClientHub.Bench;

/// <summary>
/// What waiting durable timers cost the Azurite at hand. A timer is an invisible message in a control queue, and Azurite 3.37
/// rebuilds every index of its one message collection (all queues' messages) on each receive and each delete, so every queue
/// operation gets slower with the messages that merely wait. This measures raw queue round trips (send, receive, delete; 16 in
/// flight) on a queue of its own while the given number of invisible messages waits in another.
/// <c>ClientHub.Bench queues [--up-to N]</c> (bench/queues.sh) prints the rate at 0, 1,000, 2,000, 5,000 and 10,000 waiting;
/// the reminders bench measures it with its own timers waiting, as the raw rate its reminders/s are compared with.
/// </summary>
internal static class QueueResidency
{
    private const int InFlight = 16;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(5);
    private static readonly int[] Levels = [0, 1_000, 2_000, 5_000, 10_000];

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var upTo = args is ["--up-to", var n] && int.TryParse(n, out var max) && max >= 0 ? max : args.Length == 0 ? 10_000 : -1;
        var storage = Environment.GetEnvironmentVariable("AzureWebJobsStorage");
        if (upTo < 0 || string.IsNullOrEmpty(storage))
        {
            Console.Error.WriteLine("usage: ClientHub.Bench queues [--up-to N]   (with AzureWebJobsStorage: bench/queues.sh sets it)");
            return 2;
        }
        var parked = new QueueClient(storage, "residency-parked");
        await parked.CreateIfNotExistsAsync(cancellationToken: ct);
        Console.WriteLine($"Load average at the start: {BenchProgram.LoadAverage()} on {Environment.ProcessorCount} cores");
        var waiting = 0;
        foreach (var level in Levels.Where(l => l <= upTo))
        {
            var parking = new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = ct };
            await Parallel.ForEachAsync(Enumerable.Range(waiting, level - waiting), parking,
                async (_, c) => await parked.SendMessageAsync("a timer", visibilityTimeout: TimeSpan.FromDays(2), cancellationToken: c));
            waiting = level;
            var rate = await RoundTripsPerSecondAsync(storage, "residency-work", ct);
            Console.WriteLine($"{waiting,6} messages waiting: {rate,6:0.0} queue round trips/s");
        }
        await parked.DeleteAsync(ct);
        Console.WriteLine($"Load average at the end: {BenchProgram.LoadAverage()}");
        return 0;
    }

    /// <summary>Send, receive and delete on <paramref name="queueName"/> (created, then deleted), 16 at once for 5 s: round trips a second.</summary>
    public static async Task<double> RoundTripsPerSecondAsync(string storage, string queueName, CancellationToken ct)
    {
        var queue = new QueueClient(storage, queueName);
        await queue.CreateIfNotExistsAsync(cancellationToken: ct);
        await RoundsAsync(queue, TimeSpan.Zero, ct); // one untimed round per slot: connections and JIT are not Azurite's rate
        var clock = Stopwatch.StartNew();
        var rounds = await RoundsAsync(queue, Duration, ct);
        var rate = rounds / clock.Elapsed.TotalSeconds;
        await queue.DeleteAsync(ct);
        return rate;
    }

    /// <summary>Round trips 16 at once, each slot at least one, until <paramref name="duration"/> has passed; how many were made.</summary>
    private static async Task<int> RoundsAsync(QueueClient queue, TimeSpan duration, CancellationToken ct)
    {
        var rounds = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(async _ =>
        {
            do
            {
                await queue.SendMessageAsync("a step", ct);
                // Slots share the queue: a slot may take another's message, but finds one, since each sends before it receives.
                if ((await queue.ReceiveMessageAsync(cancellationToken: ct)).Value is not { } message) continue;
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                Interlocked.Increment(ref rounds);
            } while (clock.Elapsed < duration);
        }));
        return rounds;
    }
}
