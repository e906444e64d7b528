using System.Diagnostics;
using System.Net;
using System.Text;
using ClientHub.Core;
using ClientHub.Core.Firms;
using ClientHub.Core.Items;
using ClientHub.Core.Webhooks;
using ClientHub.Functions.Email;
using ClientHub.Storage;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Webhooks;

/// <summary>What the outbound webhook activities do: one signed attempt, recorded; and giving up on a subscription.</summary>
public sealed class WebhookDeliverer(FirmDocuments documents, WebhookDeliveries deliveries, IHttpClientFactory httpClients, ContactEmails emails,
    IOptions<WebhookOptions> options, TimeProvider time, ILogger<WebhookDeliverer> logger)
{
    /// <summary>The named client whose connections refuse private addresses (see <see cref="WebhookTargets"/>).</summary>
    public const string HttpClientName = "webhooks";

    public async Task<DeliveryOutcome> DeliverAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var subscription = (await documents.GetAsync<WebhookSubscription>(delivery.FirmId, DocumentKinds.WebhookSubscription,
            delivery.SubscriptionId, cancellationToken))?.Value;
        // Deleted or disabled since: its events are not delivered (re-enabling does not bring back what it missed).
        if (subscription is not { Enabled: true }) return DeliveryOutcome.Dropped;

        var now = time.GetUtcNow();
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookSignature.IdHeader, delivery.EventId);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString());
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(subscription.Secret, delivery.EventId, timestamp, body));

        var http = httpClients.CreateClient(HttpClientName);
        http.Timeout = options.Value.DeliveryTimeout;
        var clock = Stopwatch.StartNew();
        int? status = null;
        string? error = null;
        try
        {
            if (await WebhookTargets.ProblemAsync(subscription.Url, options.Value.AllowPrivateTargets, cancellationToken) is { } refused)
                error = refused;
            else
            {
                using var response = await http.SendAsync(request, cancellationToken);
                status = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode) error = $"The receiver answered {status} {response.ReasonPhrase}.";
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            error = e is TaskCanceledException ? $"No answer within {options.Value.DeliveryTimeout.TotalSeconds:0} s." : e.Message;
        }
        var attempt = new WebhookDeliveryAttempt($"{delivery.EventId}-{delivery.Attempt}", delivery.EventId, delivery.EventType, delivery.Attempt,
            status, clock.ElapsedMilliseconds, now, error);
        await deliveries.RecordAsync(delivery.FirmId, delivery.SubscriptionId, delivery.FirstAttemptAt ?? now, attempt, cancellationToken);
        if (error is null) return DeliveryOutcome.Delivered;
        Log.WebhookAttemptFailed(logger, delivery.FirmId, delivery.SubscriptionId, delivery.EventId, delivery.Attempt, error);
        return DeliveryOutcome.Failed;
    }

    /// <summary>
    /// Disables the subscription when no delivery to it succeeded since this event's first attempt (it failed every attempt for
    /// <see cref="WebhookOptions.GiveUpAfter"/>), and emails the firm's owners once: the email is keyed by the event that disabled it,
    /// so a re-run of this activity, or another event giving up later, does not email again.
    /// </summary>
    public async Task GiveUpAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (await deliveries.SucceededSinceAsync(delivery.FirmId, delivery.SubscriptionId, delivery.FirstAttemptAt!.Value, cancellationToken)) return;
        var current = await documents.GetAsync<WebhookSubscription>(delivery.FirmId, DocumentKinds.WebhookSubscription, delivery.SubscriptionId,
            cancellationToken);
        if (current is null || (!current.Value.Enabled && current.Value.DisabledBy != delivery.EventId)) return;
        var subscription = current.Value;
        if (subscription.Enabled)
        {
            subscription = subscription with { Enabled = false, DisabledAt = time.GetUtcNow(), DisabledBy = delivery.EventId };
            // If-Match: a PATCH that re-enabled it meanwhile wins; this activity's retry then finds it enabled again and gives up anew.
            await documents.ReplaceAsync(delivery.FirmId, DocumentKinds.WebhookSubscription, subscription.Id, subscription, current.ETag,
                cancellationToken);
        }
        Log.WebhookDisabled(logger, delivery.FirmId, subscription.Id);
        var owners = (await documents.ListAllAsync<StaffMember>(delivery.FirmId, DocumentKinds.Staff, cancellationToken))
            .Where(s => s.Role == StaffRole.Owner).OrderBy(s => s.Id);
        var subject = "A webhook subscription was turned off";
        var body = $"<p>Every delivery to <code>{WebUtility.HtmlEncode(subscription.Url)}</code> failed for "
            + $"{options.Value.GiveUpAfter.TotalHours:0} hours, "
            + $"so the subscription {subscription.Id} was turned off. Fix the receiver, then turn it back on with "
            + "<code>PATCH /api/webhook-subscriptions/{id}</code> <code>{\"enabled\": true}</code>.</p>";
        foreach (var owner in owners)
            await emails.SendOnceAsync(delivery.FirmId, new JobId(ItemIds.NoJob), $"webhook-off:{subscription.Id}:{delivery.EventId}:{owner.Id}",
                new OutgoingEmail(owner.Email, owner.Name, subject, body), new EmailContext(EmailPurposes.Notification, null, null, null),
                cancellationToken);
    }
}
