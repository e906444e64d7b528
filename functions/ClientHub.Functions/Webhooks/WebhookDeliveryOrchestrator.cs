using ClientHub.Core;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Webhooks;

/// <summary>
/// One event to one subscription. <paramref name="Payload"/> is the body every attempt sends (the webhook-id is
/// <paramref name="EventId"/>); <paramref name="FirstAttemptAt"/> is set by the orchestration's first execution.
/// </summary>
public sealed record WebhookDelivery(FirmId FirmId, string SubscriptionId, string EventId, string EventType, string Payload,
    DateTimeOffset? FirstAttemptAt = null, int Attempt = 1);

public enum DeliveryOutcome { Delivered, Failed, Dropped }

/// <summary>
/// Delivers one event to one subscription, at least once: one instance per (event, subscription), with an id derived from both
/// (<see cref="InstanceId"/>), so the outbox handing the same event over twice starts it once. Each attempt is an activity; after a
/// failure it sleeps on a durable timer, <see cref="WebhookOptions.FirstRetryDelay"/> doubling up to
/// <see cref="WebhookOptions.MaxRetryDelay"/>, for <see cref="WebhookOptions.GiveUpAfter"/> in all; then it gives up (which disables
/// a subscription that failed every attempt meanwhile). Each attempt is an execution of its own (<c>ContinueAsNew</c>).
/// </summary>
/// <remarks>Deterministic: time comes from the context, the schedule from options that do not change while the host runs.</remarks>
public sealed class WebhookDeliveryOrchestrator(IOptions<WebhookOptions> options) : TaskOrchestrator<WebhookDelivery, DeliveryOutcome>
{
    public const string Name = "WebhookDelivery";

    public static string InstanceId(FirmId firmId, string eventId, string subscriptionId) => $"webhook|{firmId.Value}|{eventId}|{subscriptionId}";

    public override async Task<DeliveryOutcome> RunAsync(TaskOrchestrationContext context, WebhookDelivery input)
    {
        var delivery = input with { FirstAttemptAt = input.FirstAttemptAt ?? context.CurrentUtcDateTime };
        DeliveryOutcome outcome;
        try
        {
            outcome = await context.CallActivityAsync<DeliveryOutcome>(DeliverWebhookActivity.Name, delivery);
        }
        catch (TaskFailedException)
        {
            // Storage trouble while recording the attempt counts as a failed attempt; the schedule goes on.
            outcome = DeliveryOutcome.Failed;
        }
        if (outcome != DeliveryOutcome.Failed) return outcome;

        var settings = options.Value;
        if (context.CurrentUtcDateTime - delivery.FirstAttemptAt!.Value >= settings.GiveUpAfter)
        {
            await context.CallActivityAsync(GiveUpWebhookActivity.Name, delivery);
            return DeliveryOutcome.Failed;
        }
        await context.CreateTimer(context.CurrentUtcDateTime + Delay(settings, delivery.Attempt), CancellationToken.None);
        context.ContinueAsNew(delivery with { Attempt = delivery.Attempt + 1 });
        return DeliveryOutcome.Failed;
    }

    /// <summary>The wait after attempt #<paramref name="attempt"/> failed.</summary>
    public static TimeSpan Delay(WebhookOptions settings, int attempt)
    {
        var delay = settings.FirstRetryDelay * Math.Pow(2, Math.Min(attempt - 1, 30));
        return delay < settings.MaxRetryDelay ? delay : settings.MaxRetryDelay;
    }
}

/// <summary>One attempt: POST the payload, signed, and record it.</summary>
public sealed class DeliverWebhookActivity(WebhookDeliverer deliverer) : TaskActivity<WebhookDelivery, DeliveryOutcome>
{
    public const string Name = "DeliverWebhook";

    public override Task<DeliveryOutcome> RunAsync(TaskActivityContext context, WebhookDelivery input) =>
        deliverer.DeliverAsync(input, CancellationToken.None);
}

/// <summary>The event's retries are spent: disables the subscription if nothing reached it meanwhile, and tells the firm's owners.</summary>
public sealed class GiveUpWebhookActivity(WebhookDeliverer deliverer) : TaskActivity<WebhookDelivery, string>
{
    public const string Name = "GiveUpWebhook";

    public override async Task<string> RunAsync(TaskActivityContext context, WebhookDelivery input)
    {
        await deliverer.GiveUpAsync(input, CancellationToken.None);
        return "";
    }
}
