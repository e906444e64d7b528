using ClientHub.Functions.Hosting;

namespace ClientHub.Functions.Tests.Hosting;

internal sealed class RecordingHandler(Probe probe) : IQueueTrigger
{
    public async Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken)
    {
        probe.Attempts.Enqueue(message);
        using (probe.Running())
            await Task.Delay(probe.HandlerDelay, cancellationToken);
        probe.Handled.Enqueue(message);
    }
}

internal sealed class AlwaysThrowingHandler(Probe probe) : IQueueTrigger
{
    public Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken)
    {
        probe.Attempts.Enqueue(message);
        throw new InvalidOperationException($"attempt {message.DequeueCount} failed");
    }

    public Task OnPoisonedAsync(QueueTriggerMessage message, Exception lastError, CancellationToken cancellationToken)
    {
        probe.Poisoned.Enqueue((message, lastError));
        return Task.CompletedTask;
    }
}

/// <summary>Always throws; its poison callback fails the first time, as when storage is down.</summary>
internal sealed class PoisonCallbackFailingOnceHandler(Probe probe) : IQueueTrigger
{
    public Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken)
    {
        probe.Attempts.Enqueue(message);
        throw new InvalidOperationException($"attempt {message.DequeueCount} failed");
    }

    public Task OnPoisonedAsync(QueueTriggerMessage message, Exception lastError, CancellationToken cancellationToken)
    {
        probe.Poisoned.Enqueue((message, lastError));
        return probe.Poisoned.Count == 1 ? Task.FromException(new InvalidOperationException("storage is down")) : Task.CompletedTask;
    }
}

/// <summary>Always throws, and so does its poison callback (as on a body it cannot parse).</summary>
internal sealed class PoisonCallbackAlwaysFailingHandler(Probe probe) : IQueueTrigger
{
    public Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken)
    {
        probe.Attempts.Enqueue(message);
        throw new InvalidOperationException("unreadable");
    }

    public Task OnPoisonedAsync(QueueTriggerMessage message, Exception lastError, CancellationToken cancellationToken)
    {
        probe.Poisoned.Enqueue((message, lastError));
        throw new InvalidOperationException("still unreadable");
    }
}

/// <summary>Runs until the host cancels it.</summary>
internal sealed class NeverEndingHandler(Probe probe) : IQueueTrigger
{
    public async Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken)
    {
        probe.Attempts.Enqueue(message);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}

internal sealed class RecordingTimer(Probe probe) : ITimerTrigger
{
    public async Task RunAsync(TimerTriggerInfo timer, CancellationToken cancellationToken)
    {
        probe.TimerRuns.Enqueue(timer);
        await Task.Delay(probe.HandlerDelay, cancellationToken);
    }
}

internal sealed class ThrowingTimer(Probe probe) : ITimerTrigger
{
    public Task RunAsync(TimerTriggerInfo timer, CancellationToken cancellationToken)
    {
        probe.TimerRuns.Enqueue(timer);
        throw new InvalidOperationException("the timer body failed");
    }
}

/// <summary>Runs until the host cancels it.</summary>
internal sealed class NeverEndingTimer(Probe probe) : ITimerTrigger
{
    public async Task RunAsync(TimerTriggerInfo timer, CancellationToken cancellationToken)
    {
        probe.TimerRuns.Enqueue(timer);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
