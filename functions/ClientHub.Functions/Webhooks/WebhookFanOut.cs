using System.Text.Json;
using System.Text.Json.Nodes;
using ClientHub.Core;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Core.Webhooks;
using ClientHub.Functions.Hosting;
using ClientHub.Functions.Http.Jobs;
using ClientHub.Storage;
using DurableTask.Core;
using DurableTask.Core.Exceptions;

namespace ClientHub.Functions.Webhooks;

/// <summary>
/// Hands an event to each of the firm's enabled subscriptions that asked for its type: one <see cref="WebhookDeliveryOrchestrator"/>
/// per (event, subscription), started under an id derived from both, so handing the same event over again (the outbox is at least
/// once) starts nothing new. The payload is built once, here: <c>{ "type", "timestamp", "data" }</c>, data being the job (or item)
/// as <c>GET</c> shows it, with the job's <c>version</c> after the transition so receivers can order events.
/// </summary>
public sealed class WebhookFanOut(FirmDocuments documents, JobStore store, JobViews views, TaskHubClient client)
{
    /// <summary>Queue of <see cref="JobEventMessage"/>s, fed from the outbox of the transition that raised them.</summary>
    public const string Queue = "webhookevents";

    /// <summary>Every state an instance can be in: an event is delivered to a subscription by one orchestration, whatever became of it.</summary>
    private static readonly OrchestrationStatus[] AnyStatus = Enum.GetValues<OrchestrationStatus>();

    public async Task FanOutAsync(JobEventMessage e, CancellationToken cancellationToken)
    {
        if (await SubscribersAsync(e.FirmId, e.Type, cancellationToken) is not { Count: > 0 } subscribers) return;
        var job = e.Job ?? (await store.GetAsync(e.FirmId, e.JobId, cancellationToken))?.Value;
        if (job is null) return;
        JsonObject data;
        if (e.ItemId is { } itemId)
        {
            if ((await store.GetItemAsync(e.FirmId, itemId, cancellationToken))?.Value is not { } item) return;
            data = JsonSerializer.SerializeToNode<LinkedItem>(item, ClientHubJson.Options)!.AsObject();
            data["jobId"] = job.Id.Value;
        }
        else
        {
            var names = await views.LoadAsync(e.FirmId, null, cancellationToken);
            data = JsonSerializer.SerializeToNode(names.View(job), ClientHubJson.Options)!.AsObject();
            if (e.Type == WebhookEvents.JobMoved) data["fromStageId"] = e.FromStageId;
        }
        data["version"] = job.Version;
        await StartAsync(e.FirmId, e.Id, e.Type, e.At, data, subscribers);
    }

    /// <summary>An event that is no job's transition (<c>email.bounced</c>), with its data as it should be sent.</summary>
    public async Task FanOutAsync(FirmId firmId, string eventId, string type, DateTimeOffset at, JsonObject data, CancellationToken cancellationToken)
    {
        if (await SubscribersAsync(firmId, type, cancellationToken) is { Count: > 0 } subscribers)
            await StartAsync(firmId, eventId, type, at, data, subscribers);
    }

    private async Task<List<WebhookSubscription>> SubscribersAsync(FirmId firmId, string type, CancellationToken cancellationToken) =>
        (await documents.ListAllAsync<WebhookSubscription>(firmId, DocumentKinds.WebhookSubscription, cancellationToken))
            .Where(s => s.Enabled && s.Events.Contains(type)).ToList();

    private async Task StartAsync(FirmId firmId, string eventId, string type, DateTimeOffset at, JsonObject data,
        IEnumerable<WebhookSubscription> subscribers)
    {
        var payload = new JsonObject { ["type"] = type, ["timestamp"] = at, ["data"] = data }.ToJsonString(ClientHubJson.Options);
        foreach (var subscription in subscribers)
        {
            try
            {
                await client.CreateOrchestrationInstanceAsync(WebhookDeliveryOrchestrator.Name, "",
                    WebhookDeliveryOrchestrator.InstanceId(firmId, eventId, subscription.Id),
                    new WebhookDelivery(firmId, subscription.Id, eventId, type, payload), tags: null, dedupeStatuses: AnyStatus);
            }
            catch (OrchestrationAlreadyExistsException)
            {
                // Handed over before: its orchestration delivers it (or did).
            }
        }
    }
}

/// <summary>Queue trigger of <c>webhookevents</c>.</summary>
internal sealed class WebhookEventsTrigger(WebhookFanOut fanOut) : IQueueTrigger
{
    public Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken) =>
        fanOut.FanOutAsync(JsonSerializer.Deserialize<JobEventMessage>(message.Body.ToString(), ClientHubJson.Stored)
            ?? throw new InvalidDataException($"Empty webhook event {message.MessageId}."), cancellationToken);
}
