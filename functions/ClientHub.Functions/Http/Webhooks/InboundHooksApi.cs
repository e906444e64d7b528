using System.Text;
using System.Text.Json;
using ClientHub.Core;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Core.Webhooks;
using ClientHub.Functions.Jobs;
using ClientHub.Functions.Webhooks;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using TaskStatus = ClientHub.Core.Items.TaskStatus;

namespace ClientHub.Functions.Http.Webhooks;

/// <summary>The body of an inbound call: <c>moveJob</c> (<c>jobId</c>, <c>stageId</c>) or <c>completeItem</c> (<c>type</c>, <c>id</c>).</summary>
public sealed record InboundHookAction(string Action, string? JobId, string? StageId, string? Type, string? Id);

/// <summary>
/// <c>applied</c>, <c>unchanged</c> (the job was in that stage already, the item complete) or <c>duplicate</c> (a repeated webhook-id).
/// </summary>
public sealed record InboundHookOutcome(string Status);

/// <summary>
/// <c>POST /api/hooks/{id}</c>: a web form or another system moves a job or completes an item, in the endpoint's firm only, through
/// the same engine paths as <c>/move</c> and the item routes, as <c>by: { type: "webhook", id }</c>.
/// </summary>
/// <remarks>
/// <para>Order of checks: the endpoint exists (404), its rate (429), the signature and timestamp (401), the body (400); nothing is
/// written before all have passed.</para>
/// <para>
/// Each <c>webhook-id</c> is recorded <c>pending</c> before acting and <c>done</c> after (<see cref="IdempotencyRecords"/>, kept 24 hours),
/// so a repeat is answered <c>duplicate</c> without acting. A crash between acting and recording leaves it pending; a repeat within a
/// minute gets a 409 (the sender tries again later), after that it acts again. That is safe because both actions are declarative: a
/// <c>moveJob</c> to the stage the job is already active in leaves it in its entry (no second run of the stage's automations), and
/// completing a complete item changes nothing. (If someone moved the job elsewhere in between, the repeat moves it back, as the
/// sender asked.)
/// </para>
/// </remarks>
public static class InboundHooksApi
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1), KeptFor = TimeSpan.FromHours(24);

    public static IEndpointRouteBuilder MapInboundHooksApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/hooks/{id}", ReceiveAsync).AllowAnonymous().WithTags("Webhooks");
        return api;
    }

    private static async Task<Results<Ok<InboundHookOutcome>, NotFound, ProblemHttpResult, ValidationProblem>> ReceiveAsync(string id,
        HttpRequest request, FirmDocuments documents, InboundHookLimiter limiter, IdempotencyRecords records, JobEngine engine, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (WebhookEndpoint.FirmOf(id) is not { } firmId
            || await documents.GetAsync<WebhookEndpoint>(firmId, DocumentKinds.WebhookEndpoint, id, cancellationToken) is not { } endpoint)
            return TypedResults.NotFound();
        if (limiter.Throttle(id) is { } retryAfter)
        {
            request.HttpContext.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString("0");
            return HttpConventions.Problem(429, "Too many requests", "Too many calls to this endpoint; see Retry-After.");
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        var now = time.GetUtcNow();
        var webhookId = request.Headers[WebhookSignature.IdHeader].ToString();
        if (!WebhookSignature.Verify(endpoint.Value.SecretsAt(now), webhookId, request.Headers[WebhookSignature.TimestampHeader],
                request.Headers[WebhookSignature.SignatureHeader], body, now))
            return HttpConventions.Problem(401, "Invalid signature",
                "The webhook-id, webhook-timestamp or webhook-signature header is missing, stale or does not match.");
        if (Parse(body) is not { } action) return new ValidationErrors().Add("body", Expected).ToResult();

        var scope = $"{firmId.Value}|hook|{id}";
        var begin = await records.BeginAsync(scope, webhookId, IdempotencyRecords.Hash(Convert.ToBase64String(body)), now, KeptFor, StaleAfter,
            cancellationToken);
        switch (begin)
        {
            case IdempotencyBegin.Replay: return TypedResults.Ok(new InboundHookOutcome("duplicate"));
            case IdempotencyBegin.InFlight:
                return HttpConventions.Problem(409, "Conflict", "A call with this webhook-id is being handled.");
            case IdempotencyBegin.Mismatch:
                return HttpConventions.Problem(422, "webhook-id reused", "This webhook-id was used with another body.");
        }
        var started = (IdempotencyBegin.Started)begin;
        try
        {
            var outcome = await ActAsync(action, firmId, Actor.Webhook(id), engine, cancellationToken);
            if (outcome.Result is Ok<InboundHookOutcome>)
                await records.CompleteAsync(scope, webhookId, started.ETag, new StoredResponse(200, null, null, null, []), CancellationToken.None);
            else await records.ReleaseAsync(scope, webhookId, CancellationToken.None);
            return outcome;
        }
        catch
        {
            await records.ReleaseAsync(scope, webhookId, CancellationToken.None);
            throw;
        }
    }

    private const string Expected = """A JSON object: { "action": "moveJob", "jobId", "stageId" } or { "action": "completeItem", "type", "id" }.""";

    private static InboundHookAction? Parse(byte[] body)
    {
        try
        {
            var action = JsonSerializer.Deserialize<InboundHookAction>(Encoding.UTF8.GetString(body), ClientHubJson.Options);
            return action switch
            {
                { Action: "moveJob", JobId: { Length: > 0 }, StageId: { Length: > 0 }, Type: null, Id: null } => action,
                { Action: "completeItem", Type: ItemTypes.Task or ItemTypes.Request, Id: { Length: > 0 }, JobId: null, StageId: null } => action,
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<Results<Ok<InboundHookOutcome>, NotFound, ProblemHttpResult, ValidationProblem>> ActAsync(InboundHookAction action,
        FirmId firmId, Actor by, JobEngine engine, CancellationToken cancellationToken)
    {
        if (action.Action == "moveJob")
        {
            var moved = await engine.MoveAsync(firmId, new JobId(action.JobId!), action.StageId, null, by, null, unlessThere: true,
                cancellationToken);
            if (moved is null) return TypedResults.NotFound();
            if (moved.InvalidStage) return new ValidationErrors().Add("stageId", "The stage is not part of the job's pipeline.").ToResult();
            return TypedResults.Ok(new InboundHookOutcome(moved.LeftEntry is null ? "unchanged" : "applied"));
        }
        var wasComplete = false;
        LinkedItem Complete(LinkedItem item)
        {
            wasComplete = item.IsComplete;
            return item switch
            {
                TaskItem task => task with { Status = TaskStatus.Done },
                RequestItem r => r.IsComplete ? r : r with { Status = RequestStatus.Completed },
                _ => item,
            };
        }
        var changed = action.Type == ItemTypes.Task
            ? await engine.ChangeItemAsync<TaskItem>(firmId, action.Id!, Complete, by, cancellationToken)
            : await engine.ChangeItemAsync<RequestItem>(firmId, action.Id!, Complete, by, cancellationToken);
        if (changed is null) return TypedResults.NotFound();
        return TypedResults.Ok(new InboundHookOutcome(wasComplete ? "unchanged" : "applied"));
    }
}
