using ClientHub.Storage;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Hosting;

/// <summary>Runs one <see cref="QueueListener"/> per registered queue trigger (the <c>queues</c> role).</summary>
internal sealed class QueueListenerService(
    IEnumerable<QueueTriggerRegistration> registrations,
    QueueServiceClient queueService,
    StorageNames names,
    IOptions<QueueTriggerOptions> options,
    QueueWaker waker,
    IServiceScopeFactory scopes,
    ILogger<QueueListener> logger) : TriggerService
{
    private readonly CancellationTokenSource _stopReceiving = new();
    private List<QueueListener> _listeners = [];
    private Task _receiving = Task.CompletedTask;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _listeners = registrations
            .Select(registration => new QueueListener(
                registration,
                queueService.GetQueueClient(names.Queue(registration.QueueName)),
                queueService.GetQueueClient(TriggerStorageInitializer.PoisonQueueName(names, registration.QueueName)),
                options.Value,
                waker.SignalOf(registration.QueueName),
                scopes,
                logger))
            .ToList();
        // Taken once here: a loop must never read it from the source, which Dispose may already have disposed.
        var stopReceiving = _stopReceiving.Token;
        _receiving = Task.WhenAll(_listeners.Select(listener => Task.Run(() => listener.ReceiveAsync(stopReceiving), CancellationToken.None)));
        return Task.CompletedTask;
    }

    protected override async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        // Stop taking new messages first, then give the ones in hand until the host's shutdown timeout.
        await _stopReceiving.CancelAsync();
        await _receiving;
        await Task.WhenAll(_listeners.Select(listener => listener.DrainAsync(cancellationToken)));
    }

    protected override void Abandon() => _stopReceiving.Cancel();

    protected override void DisposeSources() => _stopReceiving.Dispose();
}
