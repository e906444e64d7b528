using ClientHub.Storage;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
    ILogger<QueueListener> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopReceiving = new();
    private List<QueueListener> _listeners = [];
    private Task _receiving = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
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
        _receiving = Task.WhenAll(_listeners.Select(listener => Task.Run(() => listener.ReceiveAsync(_stopReceiving.Token), CancellationToken.None)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop taking new messages first, then give the ones in hand until the host's shutdown timeout.
        await _stopReceiving.CancelAsync();
        await _receiving;
        await Task.WhenAll(_listeners.Select(listener => listener.DrainAsync(cancellationToken)));
    }

    public void Dispose() => _stopReceiving.Dispose();
}
