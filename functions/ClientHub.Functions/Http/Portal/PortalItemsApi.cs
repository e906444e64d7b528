using System.Text.Json;
using ClientHub.Core.Items;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Http.Items;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Portal;

public sealed record AnswersRequest(IReadOnlyDictionary<string, JsonElement>? Answers);
public sealed record SignRequest(string SignerName);
public sealed record DeclineRequest(string? Reason);

/// <summary>Organizers, invoices, proposals and messages, client side.</summary>
public static partial class PortalApi
{
    /// <summary>The list (filtered by <c>status</c>) and the single read of one kind of item, as its client sees them.</summary>
    private static RouteGroupBuilder MapReads<TItem, TStatus>(this RouteGroupBuilder items, string type)
        where TItem : LinkedItem where TStatus : struct, Enum
    {
        items.MapGet("", (PortalCaller caller, JobStore store, TStatus? status, int? pageSize, string? continuationToken, CancellationToken ct) =>
            ListAsync(caller, store, type, status?.ToString(), null, pageSize, continuationToken, ct));
        items.MapGet("/{id}", (string id, PortalCaller caller, JobStore store, HttpResponse r, CancellationToken ct) =>
            GetAsync<TItem>(id, caller, store, r, ct));
        return items;
    }

    private static void MapOrganizers(this RouteGroupBuilder portal)
    {
        var organizers = portal.MapGroup("/organizers").MapReads<OrganizerItem, OrganizerStatus>(ItemTypes.Organizer);
        // A draft: the answers so far, checked against their questions' types; submitting also requires the required ones.
        organizers.MapPatch("/{id}", (string id, AnswersRequest request, PortalCaller caller, JobEngine engine, JobStore store, HttpResponse r,
                CancellationToken ct) =>
            ChangeAsync<OrganizerItem>(id, caller, engine, store, r, o => o.Answered(request.Answers ?? new Dictionary<string, JsonElement>(),
                submit: false, engine.Now), notify: null, ct));
        organizers.MapPost("/{id}/submit", (string id, AnswersRequest? request, PortalCaller caller, JobEngine engine, JobStore store,
                HttpResponse r, CancellationToken ct) =>
            ChangeAsync<OrganizerItem>(id, caller, engine, store, r, o => o.Answered(request?.Answers ?? new Dictionary<string, JsonElement>(),
                submit: true, engine.Now), "submitted an organizer", ct));
    }

    private static void MapInvoices(this RouteGroupBuilder portal)
    {
        var invoices = portal.MapGroup("/invoices").MapReads<InvoiceItem, InvoiceStatus>(ItemTypes.Invoice);
        invoices.MapPost("/{id}/payments", async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> (string id, PaymentRequest request,
            PortalCaller caller, JobEngine engine, JobStore store, HttpResponse r, CancellationToken ct) =>
        {
            if (ItemsApi.PaymentProblem(request) is { } problem) return problem;
            var reference = Idempotency.Reference(r.HttpContext);
            return await ChangeAsync<InvoiceItem>(id, caller, engine, store, r,
                i => i.WithPayment(request.Amount, Author(caller), engine.Now, reference), $"paid {request.Amount:0.00} on an invoice", ct);
        }).Idempotent();
    }

    private static void MapProposals(this RouteGroupBuilder portal)
    {
        var proposals = portal.MapGroup("/proposals").MapReads<ProposalItem, ProposalStatus>(ItemTypes.Proposal);
        proposals.MapPost("/{id}/sign", async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> (string id, SignRequest request,
            PortalCaller caller, JobEngine engine, JobStore store, HttpContext http, CancellationToken ct) =>
        {
            var errors = new ValidationErrors().Required("signerName", request.SignerName);
            if (errors.Any) return errors.ToResult();
            var ip = http.Connection.RemoteIpAddress?.ToString();
            return await ChangeAsync<ProposalItem>(id, caller, engine, store, http.Response, p => p.Signed(request.SignerName.Trim(), ip, engine.Now),
                "signed a proposal", ct);
        });
        proposals.MapPost("/{id}/decline", async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> (string id, DeclineRequest? request,
            PortalCaller caller, JobEngine engine, JobStore store, HttpResponse r, CancellationToken ct) =>
        {
            var errors = new ValidationErrors().MaxLength("reason", request?.Reason, Limits.Description);
            if (errors.Any) return errors.ToResult();
            return await ChangeAsync<ProposalItem>(id, caller, engine, store, r, p => p.Declined(request?.Reason, engine.Now), "declined a proposal",
                ct);
        });
    }

    private static void MapMessages(this RouteGroupBuilder portal)
    {
        var messages = portal.MapGroup("/messages");
        messages.MapGet("", (PortalCaller caller, JobStore store, int? pageSize, string? continuationToken, CancellationToken ct) =>
            ListAsync(caller, store, ItemTypes.Message, null, null, pageSize, continuationToken, ct));
        messages.MapGet("/{id}", (string id, PortalCaller caller, JobStore store, HttpResponse r, CancellationToken ct) =>
            GetAsync<MessageItem>(id, caller, store, r, ct));
        messages.MapPost("/{id}/tasks/{index:int}/check", async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> (string id, int index,
            PortalCaller caller, JobEngine engine, JobStore store, HttpResponse r, CancellationToken ct) =>
        {
            if ((await OwnAsync<MessageItem>(caller, store, id, ct))?.Value is not MessageItem message || index < 0
                || index >= message.ClientTasks.Count)
                return TypedResults.NotFound();
            // The firm hears of it when this check completes the message, not of every tick.
            var completes = message.ClientTasks.Count(t => !t.Checked) == 1 && !message.ClientTasks[index].Checked;
            return await ChangeAsync<MessageItem>(id, caller, engine, store, r, m => m.Checked(index),
                completes ? "checked every task of a message" : null, ct);
        }).TakesNoBody();
        messages.MapPost("/{id}/replies", async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> (string id, ReplyRequest request,
            PortalCaller caller, JobEngine engine, JobStore store, HttpResponse r, CancellationToken ct) =>
        {
            var errors = new ValidationErrors().Required("text", request.Text, Limits.Description);
            if (errors.Any) return errors.ToResult();
            return await ChangeAsync<MessageItem>(id, caller, engine, store, r,
                m => m.Replied(new RequestComment(engine.Now, Author(caller), request.Text)), "replied to a message", ct);
        });
    }
}
