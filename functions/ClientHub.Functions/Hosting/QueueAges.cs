using System.Diagnostics.Metrics;
using Azure.Storage.Queues;
using ClientHub.Storage;

namespace ClientHub.Functions.Hosting;

/// <summary>
/// The gauge <c>clienthub.queue.oldest_message.age</c>: how long the message at the head of each trigger queue has waited,
/// the signal that a role's queue listeners fall behind. Read by peeking, at most every <see cref="RefreshEvery"/>.
/// </summary>
/// <remarks>
/// A metric reader's callback is synchronous and may run often (every export, every reader): it answers from the last peek
/// and starts the next one in the background once that is stale, so collection never waits on storage and storage sees at
/// most one peek per queue per interval whatever the export period.
/// </remarks>
internal sealed class QueueAges : IDisposable
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<(string Name, QueueClient Client)> _queues;
    private readonly TimeProvider _time;
    private readonly ILogger<QueueAges> _logger;
    private readonly Meter _meter;
    private readonly Lock _gate = new();
    private IReadOnlyList<Measurement<double>> _last = [];
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;
    private Task _refreshing = Task.CompletedTask;

    public QueueAges(IEnumerable<QueueTriggerRegistration> triggers, QueueServiceClient queues, StorageNames names, TimeProvider time,
        IMeterFactory meters, ILogger<QueueAges> logger)
    {
        _queues = triggers.Select(t => (t.QueueName, queues.GetQueueClient(names.Queue(t.QueueName)))).ToList();
        _time = time;
        _logger = logger;
        _meter = meters.Create(Telemetry.Name);
        _meter.CreateObservableGauge("clienthub.queue.oldest_message.age", Observe, "s",
            "Age of the oldest visible message of each trigger queue (0 when empty), peeked at most every 30 s.");
    }

    private IEnumerable<Measurement<double>> Observe()
    {
        lock (_gate)
        {
            if (_refreshing.IsCompleted && _time.GetUtcNow() - _refreshedAt >= RefreshEvery)
            {
                _refreshedAt = _time.GetUtcNow();
                _refreshing = Task.Run(RefreshAsync);
            }
            return _last;
        }
    }

    /// <summary>Peeks each queue's head (the oldest visible message); one that fails keeps no measurement rather than a stale one.</summary>
    internal async Task RefreshAsync()
    {
        List<Measurement<double>> ages = [];
        foreach (var (name, client) in _queues)
        {
            try
            {
                var peeked = await client.PeekMessagesAsync(1);
                var age = peeked.Value is [{ InsertedOn: { } inserted }] ? Math.Max(0, (_time.GetUtcNow() - inserted).TotalSeconds) : 0;
                ages.Add(new Measurement<double>(age, new KeyValuePair<string, object?>("queue", name)));
            }
            catch (Exception e) when (StorageFailures.IsStorageFailure(e, CancellationToken.None))
            {
                _logger.QueuePeekFailed(e, name);
            }
        }
        lock (_gate) _last = ages;
    }

    public void Dispose() => _meter.Dispose();
}
