using System.Text.Json;
using ClientHub.Core;
using ClientHub.Functions.Hosting;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;

namespace ClientHub.Functions.Queues;

/// <summary>Queue trigger of <c>automations</c>: one automation run per message.</summary>
internal sealed class AutomationsTrigger(AutomationStep step) : IQueueTrigger
{
    public Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken) =>
        step.RunAsync(Parse(message), cancellationToken);

    public Task OnPoisonedAsync(QueueTriggerMessage message, Exception lastError, CancellationToken cancellationToken) =>
        step.FailAsync(Parse(message), lastError.Message, cancellationToken);

    private static AutomationMessage Parse(QueueTriggerMessage message) =>
        JsonSerializer.Deserialize<AutomationMessage>(message.Body.ToString(), ClientHubJson.Stored)
        ?? throw new InvalidDataException($"Empty automation message {message.MessageId}.");
}
