using Microsoft.Extensions.Hosting;

namespace ClientHub.Functions.Hosting;

/// <summary>
/// A trigger runtime's hosted service (queue listeners, timer schedules). Its stop runs once, however
/// often it is asked for, and never after disposal: under WebApplicationFactory the host is stopped
/// by the factory and, concurrently, by the application's own <c>Run</c>, which then disposes it while
/// the factory's stop may still be on its way here.
/// </summary>
internal abstract class TriggerService : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private Task? _stopping;
    private bool _disposed;

    public abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Every call waits for the one stop; a call after <see cref="Dispose"/> does nothing.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
            return _disposed ? Task.CompletedTask : _stopping ??= StopOnceAsync(cancellationToken);
    }

    /// <summary>
    /// Stops taking new work and lets the work in hand finish until <paramref name="cancellationToken"/> (the host's
    /// shutdown timeout).
    /// </summary>
    protected abstract Task StopOnceAsync(CancellationToken cancellationToken);

    /// <summary>Cancels the work in hand, unless the service has been disposed meanwhile (its token sources with it).</summary>
    protected Task CancelUnlessDisposedAsync(CancellationTokenSource source)
    {
        lock (_gate)
            return _disposed ? Task.CompletedTask : source.CancelAsync();
    }

    /// <summary>Disposed without a stop (e.g. another service failed to start): nothing it started may outlive the host.</summary>
    protected abstract void Abandon();

    /// <summary>Disposes the token sources; called once, after <see cref="Abandon"/> where there was no stop.</summary>
    protected abstract void DisposeSources();

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
        if (!stopped)
            Abandon();
        DisposeSources();
    }
}
