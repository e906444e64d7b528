using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClientHub.Core;
using ClientHub.Core.Webhooks;
using ClientHub.Functions.Email;
using ClientHub.Functions.Webhooks;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SendGrid.Helpers.EventWebhook;

namespace ClientHub.Functions.Http.Emails;

/// <summary>
/// SendGrid's signed event webhook (<c>POST /api/hooks/sendgrid/events</c>): delivery outcomes update the email log, found by the
/// message id SendGrid answered the send with (<c>sg_message_id</c> starts with it). A bounce also raises <c>email.bounced</c> for
/// the firm's subscriptions. The body is verified with SendGrid's own helper against <c>ClientHub:SendGrid:WebhookPublicKey</c>;
/// anything unverified is a 401 and changes nothing.
/// </summary>
/// <remarks>
/// Statuses (API.md's <c>queued|sent|delivered|bounced|notSent</c>): <c>delivered</c>; <c>bounce</c> → <c>bounced</c>; <c>dropped</c> →
/// <c>notSent</c> with SendGrid's reason; <c>deferred</c> keeps <c>sent</c> and records the reason. Events may come late or out of order:
/// a bounce or drop is final, and a late <c>delivered</c> or <c>deferred</c> does not undo it. Other event types are ignored.
/// </remarks>
public static class SendGridEventsApi
{
    public static IEndpointRouteBuilder MapSendGridEventsApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/hooks/sendgrid/events", ReceiveAsync).AllowAnonymous().WithTags("Webhooks");
        return api;
    }

    private sealed record SendGridEvent(string Event, string MessageId, string? Reason, string? EventId, DateTimeOffset At);

    private static async Task<Results<Ok, ProblemHttpResult, ValidationProblem>> ReceiveAsync(HttpRequest request, IOptions<SendGridOptions> options,
        EmailLog log, WebhookFanOut fanOut, CancellationToken cancellationToken)
    {
        var payload = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync(cancellationToken);
        if (!Verified(options.Value.WebhookPublicKey, payload, request.Headers[RequestValidator.SIGNATURE_HEADER],
                request.Headers[RequestValidator.TIMESTAMP_HEADER]))
            return HttpConventions.Problem(401, "Invalid signature", "The event webhook signature is missing or does not verify.");
        if (Parse(payload) is not { } events)
            return new ValidationErrors().Add("body", "A JSON array of SendGrid events is expected.").ToResult();
        foreach (var e in events)
        {
            var updated = await log.UpdateByMessageIdAsync(e.MessageId, entry => Apply(entry, e), cancellationToken);
            if (e.Event == "bounce" && updated is var (firmId, entry))
            {
                var data = JsonSerializer.SerializeToNode(entry, ClientHubJson.Options)!.AsObject();
                data["reason"] = e.Reason;
                // The event's id is SendGrid's, so its retry of this call starts no second delivery.
                await fanOut.FanOutAsync(firmId, "sg" + Ids.Derived(e.EventId ?? $"{e.MessageId}|bounce"), WebhookEvents.EmailBounced, e.At, data,
                    cancellationToken);
            }
        }
        return TypedResults.Ok();
    }

    private static bool Verified(string? publicKey, string payload, string? signature, string? timestamp)
    {
        if (string.IsNullOrEmpty(publicKey) || string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(timestamp)) return false;
        try
        {
            var validator = new RequestValidator();
            return validator.VerifySignature(validator.ConvertPublicKeyToECDSA(publicKey), payload, signature, timestamp);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException
            or OverflowException or NullReferenceException)
        {
            // The helper throws on a malformed key or signature rather than answering false.
            return false;
        }
    }

    private static List<SendGridEvent>? Parse(string payload)
    {
        try
        {
            if (JsonNode.Parse(payload) is not JsonArray array) return null;
            return array.OfType<JsonObject>()
                .Where(e => e["event"]?.GetValueKind() == JsonValueKind.String && e["sg_message_id"]?.GetValueKind() == JsonValueKind.String)
                .Select(e => new SendGridEvent(e["event"]!.GetValue<string>(), e["sg_message_id"]!.GetValue<string>().Split('.')[0],
                    e["reason"]?.GetValueKind() == JsonValueKind.String ? e["reason"]!.GetValue<string>() : null,
                    e["sg_event_id"]?.GetValueKind() == JsonValueKind.String ? e["sg_event_id"]!.GetValue<string>() : null,
                    e["timestamp"]?.GetValueKind() == JsonValueKind.Number
                        ? DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(e["timestamp"]!.GetValue<long>(), 0, 253402300799)) : default))
                .Where(e => e.MessageId.Length > 0).ToList();
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private static EmailLogEntry? Apply(EmailLogEntry entry, SendGridEvent e)
    {
        var final = entry.Status is "bounced" || (entry.Status == "notSent" && entry.MessageId is not null);
        return e.Event switch
        {
            _ when final => null,
            "delivered" => entry with { Status = "delivered", Error = null },
            "bounce" => entry with { Status = "bounced", Error = e.Reason },
            "dropped" => entry with { Status = "notSent", Error = $"SendGrid dropped it: {e.Reason}" },
            "deferred" when entry.Status != "delivered" => entry with { Error = $"Deferred by the receiving server: {e.Reason}" },
            _ => null,
        };
    }
}
