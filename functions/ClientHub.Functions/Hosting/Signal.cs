namespace ClientHub.Functions.Hosting;

/// <summary>
/// An auto-reset signal for async waiters. A <see cref="Set"/> with nobody waiting is kept for the next
/// wait, so a signal between a check and the wait that follows it is not lost; repeated sets collapse.
/// </summary>
internal sealed class Signal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);
    private readonly Lock _gate = new();

    public void Set()
    {
        lock (_gate)
        {
            if (_semaphore.CurrentCount == 0)
                _semaphore.Release();
        }
    }

    /// <returns>True when set, false when <paramref name="timeout"/> passed first.</returns>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);

    public Task WaitAsync(CancellationToken cancellationToken) => _semaphore.WaitAsync(cancellationToken);
}
