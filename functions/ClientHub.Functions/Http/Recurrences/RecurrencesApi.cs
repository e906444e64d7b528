using Azure;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Recurrences;
using ClientHub.Core.Templates;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Recurrences;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Recurrences;

/// <summary>The body of <c>POST</c> (where the first four and <c>startDate</c> are required) and of <c>PATCH</c> (merge).</summary>
public sealed record RecurrenceRequest(string? PipelineId, string? JobTemplateId, IReadOnlyList<string>? AccountIds, Frequency? Frequency,
    DateOnly? StartDate, int? CreateDaysBefore, bool? NextOnCompletion, bool? Paused);

/// <summary>A recurrence as the API shows it: its settings, when its next jobs come, and the periods catch-up skipped.</summary>
public sealed record RecurrenceResponse(string Id, string PipelineId, string JobTemplateId, IReadOnlyList<string> AccountIds, Frequency Frequency,
    DateOnly StartDate, int CreateDaysBefore, bool NextOnCompletion, bool Paused, DateTimeOffset? NextRunAt, IReadOnlyList<string> SkippedPeriods,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>Recurring jobs (API.md "Time"): each recurrence's own orchestration creates its jobs; these routes keep its settings.</summary>
public static class RecurrencesApi
{
    public const int MaxAccounts = 1000, MaxCreateDaysBefore = 365;

    /// <summary>Start dates are kept to this century's neighbourhood, so a period's date never leaves the calendar.</summary>
    private static readonly DateOnly EarliestStart = new(2000, 1, 1), LatestStart = new(2199, 12, 31);

    // Each round of conflicting writers (the recurrence's own tick claims periods on the same document) lets one through.
    private const int MaxAttempts = 20;

    public static IEndpointRouteBuilder MapRecurrencesApi(this IEndpointRouteBuilder api)
    {
        var recurrences = api.MapGroup("/recurrences").WithTags("Recurrences").RequireAuthorization(Policies.Staff);
        recurrences.MapGet("", ListAsync);
        recurrences.MapGet("/{id}", GetAsync);
        recurrences.MapPost("", CreateAsync).Idempotent();
        recurrences.MapPatch("/{id}", PatchAsync);
        recurrences.MapDelete("/{id}", DeleteAsync);
        return api;
    }

    private static async Task<Ok<ListResponse<RecurrenceResponse>>> ListAsync(StaffCaller caller, FirmDocuments documents, int? pageSize,
        string? continuationToken, FirmClock clock, CancellationToken cancellationToken)
    {
        var page = await documents.ListAsync<Recurrence>(caller.FirmId, DocumentKinds.Recurrence, HttpConventions.PageSize(pageSize),
            continuationToken, cancellationToken);
        var zone = await clock.ZoneAsync(caller.FirmId, cancellationToken);
        return TypedResults.Ok(page.ToList(r => View(r.Value, zone)));
    }

    private static async Task<Results<Ok<RecurrenceResponse>, NotFound>> GetAsync(string id, StaffCaller caller, FirmDocuments documents,
        HttpResponse response, FirmClock clock, CancellationToken cancellationToken)
    {
        var stored = await documents.GetAsync<Recurrence>(caller.FirmId, DocumentKinds.Recurrence, id, cancellationToken);
        if (stored is null) return TypedResults.NotFound();
        response.SetETag(stored.ETag);
        return TypedResults.Ok(View(stored.Value, await clock.ZoneAsync(caller.FirmId, cancellationToken)));
    }

    /// <remarks>A start date in the past catches up at once: the latest due period's jobs are created, the earlier ones skipped.</remarks>
    private static async Task<Results<Created<RecurrenceResponse>, ValidationProblem>> CreateAsync(RecurrenceRequest request, StaffCaller caller,
        FirmDocuments documents, RecurrenceOrchestrations orchestrations, TimeProvider time, HttpResponse response,
        FirmClock clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.PipelineId is null) errors.Add("pipelineId", "Required.");
        if (request.JobTemplateId is null) errors.Add("jobTemplateId", "Required.");
        if (request.Frequency is null) errors.Add("frequency", "Required: Daily, Weekly, Biweekly, Monthly, Quarterly or Yearly.");
        if (request.StartDate is null) errors.Add("startDate", "Required.");
        if (request.AccountIds is null) errors.Add("accountIds", "Required.");
        await ValidateAsync(request, request.AccountIds ?? [], caller.FirmId, documents, errors, cancellationToken);
        if (errors.Any) return errors.ToResult();

        var now = time.GetUtcNow();
        var recurrence = new Recurrence
        {
            // Under an Idempotency-Key the id is derived from it: a retry after a crash finds the recurrence its first attempt stored.
            Id = Idempotency.DerivedId(response.HttpContext, "recurrence") ?? Ids.New(), PipelineId = request.PipelineId!,
            JobTemplateId = request.JobTemplateId!,
            AccountIds = [.. request.AccountIds!.Distinct()],
            Frequency = request.Frequency!.Value, StartDate = request.StartDate!.Value, CreateDaysBefore = request.CreateDaysBefore ?? 0,
            NextOnCompletion = request.NextOnCompletion ?? false, Paused = request.Paused ?? false, CreatedAt = now, UpdatedAt = now,
        };
        // The orchestration first: it waits for the recurrence to be stored, so a crash in between leaves none without its orchestration.
        await orchestrations.StartOrWakeAsync(caller.FirmId, recurrence.Id, fresh: true);
        try
        {
            response.SetETag(await documents.InsertAsync(caller.FirmId, DocumentKinds.Recurrence, recurrence.Id, recurrence, cancellationToken));
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var stored = await documents.GetAsync<Recurrence>(caller.FirmId, DocumentKinds.Recurrence, recurrence.Id, cancellationToken)
                         ?? throw new InvalidOperationException($"Recurrence {recurrence.Id} conflicted on insert but is not there.", e);
            recurrence = stored.Value;
            response.SetETag(stored.ETag);
        }
        await orchestrations.WakeAsync(caller.FirmId, recurrence.Id);
        var zone = await clock.ZoneAsync(caller.FirmId, cancellationToken);
        return TypedResults.Created($"/api/recurrences/{recurrence.Id}", View(recurrence, zone));
    }

    /// <remarks>
    /// Merge semantics. Only accounts the patch adds must exist (what <c>GET</c> returned can be sent back after an account was
    /// deleted). A new frequency or start date starts a new series of periods (<see cref="RecurrenceRules.Changed"/>).
    /// </remarks>
    private static async Task<Results<Ok<RecurrenceResponse>, NotFound, ValidationProblem>> PatchAsync(string id, RecurrenceRequest request,
        StaffCaller caller, FirmDocuments documents, RecurrenceOrchestrations orchestrations, TimeProvider time, HttpRequest http,
        FirmClock clock, CancellationToken cancellationToken)
    {
        var current = await documents.GetAsync<Recurrence>(caller.FirmId, DocumentKinds.Recurrence, id, cancellationToken);
        if (current is null) return TypedResults.NotFound();
        var errors = new ValidationErrors();
        await ValidateAsync(request, (request.AccountIds ?? []).Except(current.Value.AccountIds).ToList(), caller.FirmId, documents, errors,
            cancellationToken);
        if (request.AccountIds is { Count: 0 }) errors.Add("accountIds", $"Between 1 and {MaxAccounts} account ids are required.");
        if (errors.Any) return errors.ToResult();

        var ifMatch = http.IfMatch();
        for (var attempt = 1; ; attempt++)
        {
            var stored = current.Value;
            var changed = RecurrenceRules.Changed(stored, stored with
            {
                PipelineId = request.PipelineId ?? stored.PipelineId,
                JobTemplateId = request.JobTemplateId ?? stored.JobTemplateId,
                AccountIds = request.AccountIds?.Distinct().ToList() ?? stored.AccountIds,
                Frequency = request.Frequency ?? stored.Frequency,
                StartDate = request.StartDate ?? stored.StartDate,
                CreateDaysBefore = request.CreateDaysBefore ?? stored.CreateDaysBefore,
                NextOnCompletion = request.NextOnCompletion ?? stored.NextOnCompletion,
                Paused = request.Paused ?? stored.Paused,
            }, time.GetUtcNow());
            try
            {
                var etag = await documents.ReplaceAsync(caller.FirmId, DocumentKinds.Recurrence, id, changed,
                    ifMatch == ETag.All ? current.ETag : ifMatch, cancellationToken);
                await orchestrations.StartOrWakeAsync(caller.FirmId, id);
                http.HttpContext.Response.SetETag(etag);
                return TypedResults.Ok(View(changed, await clock.ZoneAsync(caller.FirmId, cancellationToken)));
            }
            catch (RequestFailedException e) when (e.Status == 412 && ifMatch == ETag.All && attempt < MaxAttempts)
            {
                // The recurrence's tick claimed a period since it was read: apply the same patch to what is there now.
                current = await documents.GetAsync<Recurrence>(caller.FirmId, DocumentKinds.Recurrence, id, cancellationToken);
                if (current is null) return TypedResults.NotFound();
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return TypedResults.NotFound();
            }
        }
    }

    /// <summary>Deletes the recurrence; its orchestration, woken, finds it gone and ends. Jobs it created stay.</summary>
    private static async Task<Results<NoContent, NotFound>> DeleteAsync(string id, StaffCaller caller, FirmDocuments documents,
        RecurrenceOrchestrations orchestrations, CancellationToken cancellationToken)
    {
        // FirmDocuments.DeleteAsync answers true for a missing row too, so look first.
        if (await documents.GetAsync<Recurrence>(caller.FirmId, DocumentKinds.Recurrence, id, cancellationToken) is null)
            return TypedResults.NotFound();
        await documents.DeleteAsync(caller.FirmId, DocumentKinds.Recurrence, id, cancellationToken);
        await orchestrations.WakeAsync(caller.FirmId, id);
        return TypedResults.NoContent();
    }

    /// <summary>The fields the request sets; of its accounts, <paramref name="accountsToCheck"/> must exist.</summary>
    private static async Task ValidateAsync(RecurrenceRequest request, IReadOnlyList<string> accountsToCheck, FirmId firmId, FirmDocuments documents,
        ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (request.PipelineId is { } pipelineId
            && await documents.GetAsync<Pipeline>(firmId, DocumentKinds.Pipeline, pipelineId, cancellationToken) is null)
            errors.Add("pipelineId", "No such pipeline.");
        if (request.JobTemplateId is { } templateId
            && (await documents.GetAsync<Template>(firmId, DocumentKinds.Template, templateId, cancellationToken))?.Value is not JobTemplate)
            errors.Add("jobTemplateId", "No such template of kind job.");
        if (request.AccountIds is { } accountIds && accountIds.Distinct().Count() is < 1 or > MaxAccounts)
            errors.Add("accountIds", $"Between 1 and {MaxAccounts} account ids are required.");
        else
            foreach (var missing in await MissingAccountsAsync(accountsToCheck, firmId, documents, cancellationToken))
                errors.Add("accountIds", $"No such account: {missing}.");
        if (request.StartDate is { } start && (start < EarliestStart || start > LatestStart))
            errors.Add("startDate", $"Between {EarliestStart:yyyy-MM-dd} and {LatestStart:yyyy-MM-dd}.");
        if (request.CreateDaysBefore is < 0 or > MaxCreateDaysBefore) errors.Add("createDaysBefore", $"Between 0 and {MaxCreateDaysBefore}.");
    }

    /// <summary>The ids among <paramref name="accountIds"/> that name no account of the firm, read a few at a time.</summary>
    private static async Task<IReadOnlyList<string>> MissingAccountsAsync(IReadOnlyList<string> accountIds, FirmId firmId, FirmDocuments documents,
        CancellationToken cancellationToken)
    {
        var missing = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(accountIds.Distinct(), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (accountId, token) =>
            {
                if (await documents.GetAsync<Account>(firmId, DocumentKinds.Account, accountId ?? "", token) is null)
                    missing.Add(accountId ?? "null");
            });
        return [.. missing.Order()];
    }

    private static RecurrenceResponse View(Recurrence r, TimeZoneInfo zone) => new(r.Id, r.PipelineId, r.JobTemplateId, r.AccountIds, r.Frequency,
        r.StartDate, r.CreateDaysBefore, r.NextOnCompletion, r.Paused, RecurrenceRules.NextRunAt(r, zone), r.SkippedPeriods, r.CreatedAt,
        r.UpdatedAt);
}
