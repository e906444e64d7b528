using System.Diagnostics;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClientHub.Functions.Hosting;

/// <summary>
/// Listens on one queue with the Functions queue-trigger semantics of <c>host.json</c>, except that a
/// received message is held by a short, renewed <see cref="QueueTriggerOptions.MessageLease"/> instead of
/// the function timeout, so a message held by a killed instance comes back within the lease.
/// </summary>
/// <remarks>
/// Waits (polling, lease renewal) use real time on purpose, not the injected <see cref="TimeProvider"/>:
/// Storage expires invisibility by its own clock, and tests may jump the application clock.
/// </remarks>
internal sealed class QueueListener
{
    /// <summary>
    /// How many deliveries beyond <c>maxDequeueCount</c> a poison callback failing for a reason other than storage gets
    /// before the message is moved without it.
    /// </summary>
    private const int PoisonCallbackRounds = 3;

    // Releasing a message is one storage call; a handler that ignores cancellation must not hold shutdown forever.
    private static readonly TimeSpan ReleaseGrace = TimeSpan.FromSeconds(5);

    private readonly QueueTriggerRegistration _registration;
    private readonly QueueClient _queue;
    private readonly QueueClient _poisonQueue;
    private readonly QueueTriggerOptions _options;
    private readonly Signal _wake;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _logger;

    private readonly Signal _slotFreed = new();
    private readonly HashSet<Task> _handlers = [];
    private readonly CancellationTokenSource _abortHandlers = new();
    private int _inFlight;

    public QueueListener(
        QueueTriggerRegistration registration,
        QueueClient queue,
        QueueClient poisonQueue,
        QueueTriggerOptions options,
        Signal wake,
        IServiceScopeFactory scopes,
        ILogger logger)
    {
        _registration = registration;
        _queue = queue;
        _poisonQueue = poisonQueue;
        _options = options;
        _wake = wake;
        _scopes = scopes;
        _logger = logger;
    }

    private string QueueName => _registration.QueueName;

    /// <summary>Receives and dispatches until <paramref name="stopReceiving"/>; in-flight handlers keep running.</summary>
    public async Task ReceiveAsync(CancellationToken stopReceiving)
    {
        var threshold = _options.EffectiveNewBatchThreshold;
        _logger.QueueListenerStarted(QueueName, _queue.Name, _options.BatchSize, threshold);
        var idleDelay = _options.MinPollingInterval;

        while (!stopReceiving.IsCancellationRequested)
        {
            try
            {
                // Functions semantics: the next batch is fetched once in-flight work drops to newBatchThreshold,
                // and never more than batchSize messages are handled at once.
                if (Volatile.Read(ref _inFlight) > threshold)
                {
                    await _slotFreed.WaitAsync(stopReceiving);
                    continue;
                }

                var capacity = _options.BatchSize - Volatile.Read(ref _inFlight);
                QueueMessage[] messages = await _queue.ReceiveMessagesAsync(capacity, _options.MessageLease, stopReceiving);
                if (messages.Length == 0)
                {
                    var woken = await _wake.WaitAsync(idleDelay, stopReceiving);
                    idleDelay = woken ? _options.MinPollingInterval : Min(idleDelay * 2, _options.MaxPollingInterval);
                    continue;
                }

                idleDelay = _options.MinPollingInterval;
                foreach (var message in messages)
                    Dispatch(message);
            }
            catch (OperationCanceledException) when (stopReceiving.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (StorageFailures.IsStorageFailure(exception, stopReceiving))
            {
                _logger.QueueReceiveFailed(exception, QueueName, idleDelay);
                try
                {
                    await Task.Delay(idleDelay, stopReceiving);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                idleDelay = Min(idleDelay * 2, _options.MaxPollingInterval);
            }
        }

        _logger.QueueListenerStopping(QueueName, Volatile.Read(ref _inFlight));
    }

    /// <summary>
    /// Lets in-flight handlers finish until <paramref name="shutdownTimeout"/> fires, then cancels them so
    /// their messages are released for redelivery instead of staying invisible for the rest of their lease.
    /// </summary>
    public async Task DrainAsync(CancellationToken shutdownTimeout)
    {
        Task[] running;
        lock (_handlers)
            running = [.. _handlers];

        try
        {
            await Task.WhenAll(running).WaitAsync(shutdownTimeout);
        }
        catch (OperationCanceledException) when (shutdownTimeout.IsCancellationRequested)
        {
            await _abortHandlers.CancelAsync();
            try
            {
                await Task.WhenAll(running).WaitAsync(ReleaseGrace);
            }
            catch (TimeoutException)
            {
                // Whatever is still running keeps its lease until the process ends; the lease then expires.
            }
        }
    }

    private void Dispatch(QueueMessage received)
    {
        Interlocked.Increment(ref _inFlight);
        var start = new Task<Task>(() => HandleAsync(received));
        var handling = start.Unwrap();
        lock (_handlers)
            _handlers.Add(handling);
        handling.ContinueWith(
            completed =>
            {
                lock (_handlers)
                    _handlers.Remove(completed);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        start.Start(TaskScheduler.Default);
    }

    private async Task HandleAsync(QueueMessage received)
    {
        try
        {
            await HandleCoreAsync(received);
        }
        catch (Exception exception)
        {
            // Handler failures are settled inside; this is the host's own failure. The message is left to its
            // lease and comes back, and after maxDequeueCount deliveries it is poisoned without running.
            _logger.QueueMessageUnhandled(exception, QueueName, received.MessageId);
        }
        finally
        {
            if (Interlocked.Decrement(ref _inFlight) <= _options.EffectiveNewBatchThreshold)
                _slotFreed.Set();
        }
    }

    private async Task HandleCoreAsync(QueueMessage received)
    {
        var message = new QueueTriggerMessage(QueueName, received.MessageId, received.Body, received.DequeueCount, received.InsertedOn);
        var lease = new MessageLease(received.PopReceipt);
        var abort = _abortHandlers.Token;
        // One trace per message: the outbox row that wrote it may be long committed, and its request long answered.
        using var span = Telemetry.Source.StartActivity($"{QueueName} process", ActivityKind.Consumer);
        span?.SetTag("messaging.system", "azure_queues").SetTag("messaging.operation.type", "process")
            .SetTag("messaging.destination.name", QueueName).SetTag("messaging.message.id", received.MessageId)
            .SetTag("messaging.azure_queues.dequeue_count", received.DequeueCount);
        using var logScope = _logger.BeginScope(new Dictionary<string, object> { ["QueueName"] = QueueName, ["MessageId"] = received.MessageId });

        await using var scope = _scopes.CreateAsyncScope();
        var handler = (IQueueTrigger)scope.ServiceProvider.GetRequiredService(_registration.HandlerType);

        // Delivered more often than allowed without ever failing here: the instances handling it died.
        if (received.DequeueCount > _options.MaxDequeueCount)
        {
            span?.SetTag("clienthub.queue.outcome", "poisoned");
            await PoisonAsync(handler, message, lease, new QueueMessageAbandonedException(QueueName, message.MessageId, message.DequeueCount), abort);
            return;
        }

        Exception? failure = null;
        var aborted = false;
        using (var stopRenewing = new CancellationTokenSource())
        {
            var renewal = RenewLeaseAsync(message.MessageId, lease, stopRenewing.Token);
            try
            {
                await handler.RunAsync(message, abort);
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                aborted = true;
            }
            catch (Exception exception)
            {
                failure = exception;
            }
            await stopRenewing.CancelAsync();
            await renewal;
        }

        span?.SetTag("clienthub.queue.outcome", aborted ? "released" : failure is null ? "handled"
            : message.DequeueCount >= _options.MaxDequeueCount ? "poisoned" : "retry");
        if (failure is not null) span?.SetStatus(ActivityStatusCode.Error, failure.Message).AddException(failure);
        if (aborted)
        {
            await SetVisibilityAsync(message.MessageId, lease, TimeSpan.Zero, "release");
            _logger.QueueMessageReleased(QueueName, message.MessageId);
        }
        else if (failure is null)
        {
            await DeleteAsync(message.MessageId, lease);
            _logger.QueueMessageHandled(QueueName, message.MessageId, message.DequeueCount);
        }
        else if (message.DequeueCount >= _options.MaxDequeueCount)
        {
            await PoisonAsync(handler, message, lease, failure, abort);
        }
        else
        {
            _logger.QueueMessageFailed(failure, QueueName, message.MessageId, message.DequeueCount, _options.MaxDequeueCount,
                _options.VisibilityTimeout);
            await SetVisibilityAsync(message.MessageId, lease, _options.VisibilityTimeout, "retry");
        }
    }

    private async Task PoisonAsync(
        IQueueTrigger handler, QueueTriggerMessage message, MessageLease lease, Exception error, CancellationToken cancellationToken)
    {
        // The handler hears of it first (the job engine flags the job as failed): if that fails, the message
        // stays where it is, comes back after its lease with a dequeue count above the limit, and is poisoned
        // again, so the callback is not lost to an outage however long. It must therefore be safe to repeat.
        // A callback that keeps failing for another reason (a body it cannot parse, say) is given up on after
        // a few rounds.
        try
        {
            await handler.OnPoisonedAsync(message, error, cancellationToken);
        }
        catch (Exception exception)
        {
            var again = StorageFailures.IsStorageFailure(exception, cancellationToken)
                || message.DequeueCount < _options.MaxDequeueCount + PoisonCallbackRounds;
            _logger.QueuePoisonCallbackFailed(exception, QueueName, message.MessageId, again);
            if (again) return;
        }

        try
        {
            // The body is copied unchanged so the poison message can be replayed as is; the error goes to the
            // log and to OnPoisonedAsync. Poison messages never expire: a firm's failed work must not vanish.
            await _poisonQueue.SendMessageAsync(message.Body, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), CancellationToken.None);
        }
        catch (Exception exception) when (StorageFailures.IsStorageFailure(exception, CancellationToken.None))
        {
            // Left in place it comes back after its lease with a dequeue count above the limit, and is poisoned then.
            _logger.QueueMessageSettleFailed(exception, QueueName, message.MessageId, "copy to poison queue");
            return;
        }

        _logger.QueueMessagePoisoned(error, QueueName, message.MessageId, _poisonQueue.Name, message.DequeueCount);
        await DeleteAsync(message.MessageId, lease);
    }

    private async Task RenewLeaseAsync(string messageId, MessageLease lease, CancellationToken stop)
    {
        var interval = _options.MessageLease / 3;
        while (true)
        {
            try
            {
                await Task.Delay(interval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                // Not cancellable: a renewal that succeeds on the server but is abandoned here would leave a stale
                // pop receipt, and the delete that follows would fail and cause a redelivery.
                UpdateReceipt receipt = await _queue.UpdateMessageAsync(messageId, lease.PopReceipt, message: null, _options.MessageLease,
                    CancellationToken.None);
                lease.PopReceipt = receipt.PopReceipt;
            }
            catch (RequestFailedException exception) when (exception.Status == 404)
            {
                // The lease already expired and someone else received the message; nothing left to renew.
                _logger.QueueMessageLeaseLost(exception, QueueName, messageId, "renew");
                return;
            }
            catch (Exception exception) when (StorageFailures.IsStorageFailure(exception, CancellationToken.None))
            {
                // The next renewal may still succeed within the lease.
                _logger.QueueMessageSettleFailed(exception, QueueName, messageId, "renew");
            }
        }
    }

    private async Task DeleteAsync(string messageId, MessageLease lease)
    {
        try
        {
            await _queue.DeleteMessageAsync(messageId, lease.PopReceipt, CancellationToken.None);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            _logger.QueueMessageLeaseLost(exception, QueueName, messageId, "delete");
        }
        catch (Exception exception) when (StorageFailures.IsStorageFailure(exception, CancellationToken.None))
        {
            _logger.QueueMessageSettleFailed(exception, QueueName, messageId, "delete");
        }
    }

    private async Task SetVisibilityAsync(string messageId, MessageLease lease, TimeSpan visibility, string operation)
    {
        try
        {
            await _queue.UpdateMessageAsync(messageId, lease.PopReceipt, message: null, visibility, CancellationToken.None);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            _logger.QueueMessageLeaseLost(exception, QueueName, messageId, operation);
        }
        catch (Exception exception) when (StorageFailures.IsStorageFailure(exception, CancellationToken.None))
        {
            _logger.QueueMessageSettleFailed(exception, QueueName, messageId, operation);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The current pop receipt: every update of a message replaces it.</summary>
    private sealed class MessageLease(string popReceipt)
    {
        public string PopReceipt { get; set; } = popReceipt;
    }
}
