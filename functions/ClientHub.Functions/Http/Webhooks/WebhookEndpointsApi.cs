using ClientHub.Core;
using ClientHub.Core.Webhooks;
using ClientHub.Functions.Http.Auth;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Webhooks;

public sealed record CreateWebhookEndpointRequest(string? Name);

/// <summary>An inbound endpoint as the API shows it; the secret only when it was just made (create, rotate).</summary>
public sealed record WebhookEndpointView(string Id, string? Name, string Url, DateTimeOffset CreatedAt, DateTimeOffset? PreviousSecretExpiresAt,
    string? Secret = null)
{
    public static WebhookEndpointView Of(WebhookEndpoint endpoint, bool withSecret = false) =>
        new(endpoint.Id, endpoint.Name, $"/api/hooks/{endpoint.Id}", endpoint.CreatedAt, endpoint.PreviousSecretExpiresAt,
            withSecret ? endpoint.Secret : null);
}

/// <summary>Inbound webhook endpoints, managed by owners and admins: their secrets move jobs.</summary>
public static class WebhookEndpointsApi
{
    /// <summary>How long a rotated-out secret still signs valid calls, so senders can switch over.</summary>
    public static readonly TimeSpan RotationOverlap = TimeSpan.FromHours(24);

    public static IEndpointRouteBuilder MapWebhookEndpointsApi(this IEndpointRouteBuilder api)
    {
        var endpoints = api.MapGroup("/webhook-endpoints").RequireAuthorization(Policies.Admin).WithTags("Webhooks");
        endpoints.MapPost("", CreateAsync).Idempotent();
        endpoints.MapDocumentReads<WebhookEndpoint, WebhookEndpointView>(DocumentKinds.WebhookEndpoint, e => WebhookEndpointView.Of(e));
        endpoints.MapDocumentDelete(DocumentKinds.WebhookEndpoint);
        endpoints.MapPost("/{id}/rotate-secret", RotateAsync).TakesNoBody();
        return api;
    }

    private static async Task<Results<Created<WebhookEndpointView>, ValidationProblem>> CreateAsync(CreateWebhookEndpointRequest? request,
        StaffCaller caller, FirmDocuments documents, TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().MaxLength("name", request?.Name, Limits.Name);
        if (errors.Any) return errors.ToResult();
        var id = WebhookEndpoint.NewId(caller.FirmId);
        var endpoint = new WebhookEndpoint(id, request?.Name?.Trim(), WebhookSignature.NewSecret(), null, null, time.GetUtcNow());
        response.SetETag(await documents.InsertAsync(caller.FirmId, DocumentKinds.WebhookEndpoint, id, endpoint, cancellationToken));
        return TypedResults.Created($"/api/webhook-endpoints/{id}", WebhookEndpointView.Of(endpoint, withSecret: true));
    }

    /// <summary>A new secret; the one it replaces stays valid for <see cref="RotationOverlap"/> (a second rotation ends that at once).</summary>
    private static async Task<Results<Ok<WebhookEndpointView>, NotFound>> RotateAsync(string id, StaffCaller caller, FirmDocuments documents,
        TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        if (await documents.GetAsync<WebhookEndpoint>(caller.FirmId, DocumentKinds.WebhookEndpoint, id, cancellationToken) is not { } current)
            return TypedResults.NotFound();
        var rotated = current.Value with
        {
            Secret = WebhookSignature.NewSecret(), PreviousSecret = current.Value.Secret,
            PreviousSecretExpiresAt = time.GetUtcNow() + RotationOverlap,
        };
        // If-Match: of two rotations at once, one wins and the other is a 412, rather than a secret silently lost.
        response.SetETag(await documents.ReplaceAsync(caller.FirmId, DocumentKinds.WebhookEndpoint, id, rotated, current.ETag, cancellationToken));
        return TypedResults.Ok(WebhookEndpointView.Of(rotated, withSecret: true));
    }
}
