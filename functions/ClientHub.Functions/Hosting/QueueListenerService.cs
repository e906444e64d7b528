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
    private readonly Lock _gate = new();
    private List<QueueListener> _listeners = [];
    private Task _receiving = Task.CompletedTask;
    private Task? _stopping;
    private bool _disposed;

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
        // Taken once here: a loop must never read it from the source, which Dispose may already have disposed.
        var stopReceiving = _stopReceiving.Token;
        _receiving = Task.WhenAll(_listeners.Select(listener => Task.Run(() => listener.ReceiveAsync(stopReceiving), CancellationToken.None)));
        return Task.CompletedTask;
    }

    /// <remarks>
    /// Every call waits for the one stop, and a call after <see cref="Dispose"/> does nothing: under
    /// WebApplicationFactory the host is stopped by the factory and, concurrently, by the application's own
    /// <c>Run</c>, which then disposes it while the factory's stop may still be on its way here.
    /// </remarks>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
            return _disposed ? Task.CompletedTask : _stopping ??= StopOnceAsync(cancellationToken);
    }

    private async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        // Stop taking new messages first, then give the ones in hand until the host's shutdown timeout.
        await _stopReceiving.CancelAsync();
        await _receiving;
        await Task.WhenAll(_listeners.Select(listener => listener.DrainAsync(cancellationToken)));
    }

    public void Dispose()
    {
        bool stopped;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            stopped = _stopping is not null;
        }
        // Disposed without a stop (e.g. another service failed to start): the loops must not outlive the host.
        if (!stopped)
            _stopReceiving.Cancel();
        _stopReceiving.Dispose();
    }
}
