using System.Collections.Concurrent;

namespace ClientHub.Functions.Hosting;

/// <summary>One <see cref="Signal"/> per logical queue; a wake for a queue nobody listens to here is harmless.</summary>
internal sealed class QueueWaker : IQueueWaker
{
    private readonly ConcurrentDictionary<string, Signal> _signals = new(StringComparer.Ordinal);

    public void Wake(string queueName) => SignalOf(queueName).Set();

    internal Signal SignalOf(string queueName) => _signals.GetOrAdd(queueName, static _ => new Signal());
}
