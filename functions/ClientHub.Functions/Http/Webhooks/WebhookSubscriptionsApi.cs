using ClientHub.Core;
using ClientHub.Core.Webhooks;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Webhooks;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Http.Webhooks;

public sealed record CreateWebhookSubscriptionRequest(string Url, IReadOnlyList<string>? Events);
public sealed record PatchWebhookSubscriptionRequest(string? Url, IReadOnlyList<string>? Events, bool? Enabled);

/// <summary>A subscription as the API shows it; the secret only in the answer to its creation.</summary>
public sealed record WebhookSubscriptionView(string Id, string Url, IReadOnlyList<string> Events, bool Enabled, DateTimeOffset CreatedAt,
    DateTimeOffset? DisabledAt, string? Secret = null)
{
    public static WebhookSubscriptionView Of(WebhookSubscription s, bool withSecret = false) =>
        new(s.Id, s.Url, s.Events, s.Enabled, s.CreatedAt, s.DisabledAt, withSecret ? s.Secret : null);
}

/// <summary>Outbound webhook subscriptions of a firm, and the attempts to deliver to them. Owners and admins only.</summary>
public static class WebhookSubscriptionsApi
{
    public static IEndpointRouteBuilder MapWebhookSubscriptionsApi(this IEndpointRouteBuilder api)
    {
        var subscriptions = api.MapGroup("/webhook-subscriptions").RequireAuthorization(Policies.Admin).WithTags("Webhooks");
        subscriptions.MapPost("", CreateAsync).Idempotent();
        subscriptions.MapDocumentReads<WebhookSubscription, WebhookSubscriptionView>(DocumentKinds.WebhookSubscription,
            s => WebhookSubscriptionView.Of(s));
        subscriptions.MapPatch("/{id}", PatchAsync);
        subscriptions.MapDocumentDelete(DocumentKinds.WebhookSubscription);
        subscriptions.MapGet("/{id}/deliveries", async Task<Results<Ok<ListResponse<WebhookDeliveryAttempt>>, NotFound>> (string id,
            StaffCaller caller, FirmDocuments documents, WebhookDeliveries deliveries, int? pageSize, string? continuationToken,
            CancellationToken ct) =>
        {
            if (await documents.GetAsync<WebhookSubscription>(caller.FirmId, DocumentKinds.WebhookSubscription, id, ct) is null)
                return TypedResults.NotFound();
            var page = await deliveries.ListAsync(caller.FirmId, id, HttpConventions.PageSize(pageSize), continuationToken, ct);
            return TypedResults.Ok(new ListResponse<WebhookDeliveryAttempt>(page.Items, page.ContinuationToken));
        });
        return api;
    }

    private static async Task<Results<Created<WebhookSubscriptionView>, ValidationProblem>> CreateAsync(CreateWebhookSubscriptionRequest request,
        StaffCaller caller, FirmDocuments documents, IOptions<WebhookOptions> options, TimeProvider time, HttpResponse response,
        CancellationToken cancellationToken)
    {
        var errors = await ValidateAsync(request.Url, request.Events, required: true, options.Value, cancellationToken);
        if (errors.Any) return errors.ToResult();
        var subscription = new WebhookSubscription(Ids.New(), request.Url, request.Events!.Distinct().ToList(), WebhookSignature.NewSecret(),
            Enabled: true, time.GetUtcNow());
        response.SetETag(await documents.InsertAsync(caller.FirmId, DocumentKinds.WebhookSubscription, subscription.Id, subscription,
            cancellationToken));
        return TypedResults.Created($"/api/webhook-subscriptions/{subscription.Id}", WebhookSubscriptionView.Of(subscription, withSecret: true));
    }

    /// <summary>Merge semantics; <c>{ "enabled": true }</c> turns a subscription that was turned off for failing back on.</summary>
    private static async Task<Results<Ok<WebhookSubscriptionView>, NotFound, ValidationProblem>> PatchAsync(string id,
        PatchWebhookSubscriptionRequest request, StaffCaller caller, FirmDocuments documents, IOptions<WebhookOptions> options, HttpRequest http,
        HttpResponse response, CancellationToken cancellationToken)
    {
        if (await documents.GetAsync<WebhookSubscription>(caller.FirmId, DocumentKinds.WebhookSubscription, id, cancellationToken) is not { } current)
            return TypedResults.NotFound();
        var errors = await ValidateAsync(request.Url, request.Events, required: false, options.Value, cancellationToken);
        if (errors.Any) return errors.ToResult();
        var enabled = request.Enabled ?? current.Value.Enabled;
        var changed = current.Value with
        {
            Url = request.Url ?? current.Value.Url, Events = request.Events?.Distinct().ToList() ?? current.Value.Events, Enabled = enabled,
            DisabledAt = enabled ? null : current.Value.DisabledAt, DisabledBy = enabled ? null : current.Value.DisabledBy,
        };
        var ifMatch = http.IfMatch() == Azure.ETag.All ? current.ETag : http.IfMatch();
        response.SetETag(await documents.ReplaceAsync(caller.FirmId, DocumentKinds.WebhookSubscription, id, changed, ifMatch, cancellationToken));
        return TypedResults.Ok(WebhookSubscriptionView.Of(changed));
    }

    private static async Task<ValidationErrors> ValidateAsync(string? url, IReadOnlyList<string>? events, bool required, WebhookOptions options,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().MaxLength("url", url, 2_000);
        if ((required || url is not null) && await WebhookTargets.ProblemAsync(url, options.AllowPrivateTargets, cancellationToken) is { } problem)
            errors.Add("url", problem);
        if (required && events is not { Count: > 0 }) errors.Add("events", "At least one event is required.");
        foreach (var unknown in (events ?? []).Where(e => !WebhookEvents.All.Contains(e)))
            errors.Add("events", $"Unknown event {unknown}; known: {string.Join(", ", WebhookEvents.All)}.");
        return errors;
    }
}
