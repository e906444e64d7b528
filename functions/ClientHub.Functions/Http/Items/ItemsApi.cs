using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using TaskStatus = ClientHub.Core.Items.TaskStatus;

namespace ClientHub.Functions.Http.Items;

public sealed record CreateTaskRequest(
    string Title, string? Description, string? AssigneeId, DateOnly? DueDate, TaskStatus? Status, string? JobId, string? AccountId);
public sealed record PatchTaskRequest(string? Title, string? Description, string? AssigneeId, DateOnly? DueDate, TaskStatus? Status, string? JobId);
public sealed record CreateRequestItem(string Title, string? Description);
public sealed record CreateRequestRequest(
    string Title, string? Description, IReadOnlyList<CreateRequestItem>? Items, string? JobId, string? AccountId);
public sealed record PatchRequestRequest(string? Title, string? Description, RequestStatus? Status);
public sealed record PaymentRequest(decimal Amount);
public sealed record ReplyRequest(string Text);
public sealed record JobRequestSummary(int Requests, int Sent, int Todo, int InProgress, int Done);

/// <summary>
/// Linked items on the firm side, answered with their <c>type</c> as in a job's item list. Every change goes through
/// <see cref="JobEngine.ChangeItemAsync"/>, so completing an item (task done, request completed, invoice paid) re-evaluates automove of its
/// job's current entry. The client portal completes items through the same path.
/// </summary>
public static class ItemsApi
{
    public static IEndpointRouteBuilder MapItemsApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("").RequireAuthorization(Policies.Staff);
        var tasks = group.MapGroup("/tasks").WithTags("Tasks");
        tasks.MapGet("/", ListTasksAsync);
        tasks.MapPost("/", CreateTaskAsync);
        tasks.MapGet("/{id}", async (string id, StaffCaller caller, JobStore store, FirmClock clock, HttpResponse r, CancellationToken ct) =>
            await GetAsync<TaskItem>(id, caller, store, r, ct, await TaskViewAsync(clock, caller.FirmId, ct)));
        tasks.MapPatch("/{id}", PatchTaskAsync);

        var requests = group.MapGroup("/requests").WithTags("Requests");
        requests.MapGet("/", (StaffCaller caller, JobStore store, string? jobId, int? pageSize, string? continuationToken, CancellationToken ct) =>
            ListAsync(caller, store, new ItemQuery(ItemTypes.Request, JobIdOf(jobId)), pageSize, continuationToken, ct));
        requests.MapPost("/", CreateRequestAsync);
        requests.MapGet("/{id}", (string id, StaffCaller caller, JobStore store, HttpResponse r, CancellationToken ct) =>
            GetAsync<RequestItem>(id, caller, store, r, ct));
        requests.MapPatch("/{id}", PatchRequestAsync);
        requests.MapPost("/{id}/items/{itemId}/comments", CommentOnRequestAsync);
        group.MapGet("/jobs/{id}/request-summary", RequestSummaryAsync).WithTags("Requests");

        group.MapGet("/organizers/{id}", (string id, StaffCaller caller, JobStore store, HttpResponse r, CancellationToken ct) =>
            GetAsync<OrganizerItem>(id, caller, store, r, ct)).WithTags("Organizers");
        group.MapGet("/proposals/{id}", (string id, StaffCaller caller, JobStore store, HttpResponse r, CancellationToken ct) =>
            GetAsync<ProposalItem>(id, caller, store, r, ct)).WithTags("Proposals");
        group.MapGet("/invoices/{id}", (string id, StaffCaller caller, JobStore store, HttpResponse r, CancellationToken ct) =>
            GetAsync<InvoiceItem>(id, caller, store, r, ct)).WithTags("Invoices");
        group.MapPost("/invoices/{id}/payments", PayInvoiceAsync).WithTags("Invoices").Idempotent();
        group.MapGet("/messages", (StaffCaller caller, JobStore store, string? jobId, int? pageSize, string? continuationToken,
                CancellationToken ct) =>
            ListAsync(caller, store, new ItemQuery(ItemTypes.Message, JobIdOf(jobId)), pageSize, continuationToken, ct)).WithTags("Messages");
        group.MapPost("/messages/{id}/replies", ReplyAsync).WithTags("Messages");
        return api;
    }

    private static async Task<Results<Ok<LinkedItem>, NotFound>> GetAsync<T>(string id, StaffCaller caller, JobStore store, HttpResponse response,
        CancellationToken cancellationToken, Func<LinkedItem, LinkedItem>? view = null) where T : LinkedItem
    {
        var item = await store.GetItemAsync(caller.FirmId, id, cancellationToken);
        if (item?.Value is not T typed) return TypedResults.NotFound();
        response.SetETag(item.ETag);
        return TypedResults.Ok(view is null ? typed : view(typed));
    }

    /// <summary>The item as it is after a change, with its ETag.</summary>
    private static Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> ChangedAsync<T>(LinkedItem? changed, StaffCaller caller,
        JobStore store, HttpResponse response, CancellationToken cancellationToken) where T : LinkedItem =>
        ChangedAsync<T>(changed, caller.FirmId, store, response, cancellationToken);

    /// <summary>The item as it is after a change, with its ETag (the client portal answers the same way).</summary>
    internal static async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> ChangedAsync<T>(LinkedItem? changed, FirmId firmId,
        JobStore store, HttpResponse response, CancellationToken cancellationToken, Func<LinkedItem, LinkedItem>? view = null) where T : LinkedItem
    {
        if (changed is null) return TypedResults.NotFound();
        var current = await store.GetItemAsync(firmId, changed.Id, cancellationToken);
        if (current?.Value is not T typed) return TypedResults.NotFound();
        response.SetETag(current.ETag);
        return TypedResults.Ok(view is null ? typed : view(typed));
    }

    private static async Task<Ok<ListResponse<LinkedItem>>> ListAsync(StaffCaller caller, JobStore store, ItemQuery query, int? pageSize,
        string? continuationToken, CancellationToken cancellationToken)
    {
        var page = await store.ListItemsAsync(caller.FirmId, query, HttpConventions.PageSize(pageSize), continuationToken, cancellationToken);
        return TypedResults.Ok(new ListResponse<LinkedItem>(page.Items, page.ContinuationToken));
    }

    /// <remarks>
    /// <paramref name="q"/> and <paramref name="overdue"/> are applied to each page, so a page may come back short; follow the
    /// continuation token. Each page is sorted by due date (tasks without one last).
    /// </remarks>
    private static async Task<Ok<ListResponse<LinkedItem>>> ListTasksAsync(StaffCaller caller, JobStore store, FirmClock clock, string? assigneeId,
        TaskStatus? status, DateOnly? dueBefore, DateOnly? dueAfter, bool? overdue, string? q, string? jobId, int? pageSize,
        string? continuationToken, CancellationToken cancellationToken)
    {
        var query = new ItemQuery(ItemTypes.Task, JobIdOf(jobId), assigneeId, status?.ToString(), dueBefore, DueAfter: dueAfter);
        var page = await store.ListItemsAsync(caller.FirmId, query, HttpConventions.PageSize(pageSize), continuationToken, cancellationToken);
        var today = await clock.TodayAsync(caller.FirmId, cancellationToken);
        var items = page.Items.OfType<TaskItem>()
            .Select(t => t.Dated(today))
            .Where(t => q is null || t.Title.Contains(q, StringComparison.OrdinalIgnoreCase))
            .Where(t => overdue is null || t.Overdue == overdue)
            .OrderBy(t => t.DueDate ?? DateOnly.MaxValue).ThenBy(t => t.Title, StringComparer.OrdinalIgnoreCase)
            .ToList<LinkedItem>();
        return TypedResults.Ok(new ListResponse<LinkedItem>(items, page.ContinuationToken));
    }

    /// <summary>How a task is answered: with <c>overdue</c> against the firm's today.</summary>
    private static async Task<Func<LinkedItem, LinkedItem>> TaskViewAsync(FirmClock clock, FirmId firmId, CancellationToken cancellationToken)
    {
        var today = await clock.TodayAsync(firmId, cancellationToken);
        return item => item is TaskItem task ? task.Dated(today) : item;
    }

    /// <summary>
    /// A job id from the query string. It only ever completes the caller's own partition key (the filter is escaped), so a
    /// malformed one simply matches nothing.
    /// </summary>
    private static JobId? JobIdOf(string? jobId) => jobId is null ? null : new JobId(jobId);

    /// <summary>A task of a job joins the job's current entry (and counts for its automove); one without a job belongs to the firm.</summary>
    private static async Task<Results<Created<LinkedItem>, ValidationProblem>> CreateTaskAsync(CreateTaskRequest request, StaffCaller caller,
        JobEngine engine, JobStore store, FirmDocuments documents, FirmClock clock, HttpRequest http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().Required("title", request.Title).MaxLength("description", request.Description, Limits.Description);
        if (request.AssigneeId is not null
            && await documents.GetAsync<Core.Firms.StaffMember>(caller.FirmId, DocumentKinds.Staff, request.AssigneeId, cancellationToken) is null)
            errors.Add("assigneeId", "No such staff member.");
        JobId? jobId = request.JobId is null ? null : new JobId(request.JobId);
        var accountId = await OwnerAccountAsync(jobId, request.AccountId, accountRequired: false, caller, store, documents, errors,
            cancellationToken);
        if (errors.Any) return errors.ToResult();

        var created = await engine.CreateItemAsync(caller.FirmId, new TaskItem
        {
            Id = ItemIds.New(jobId), AccountId = accountId, JobId = jobId, Title = request.Title.Trim(), Description = request.Description,
            AssigneeId = request.AssigneeId, DueDate = request.DueDate, Status = request.Status ?? TaskStatus.Todo,
            CreatedAt = engine.Now, UpdatedAt = engine.Now,
        }, cancellationToken);
        return await CreatedAsync("tasks", created, caller, store, http.HttpContext.Response, cancellationToken,
            await TaskViewAsync(clock, caller.FirmId, cancellationToken));
    }

    /// <summary>A client request (Welyb's information request) the firm sends by hand; like a task, it joins its job's current entry.</summary>
    private static async Task<Results<Created<LinkedItem>, ValidationProblem>> CreateRequestAsync(CreateRequestRequest request, StaffCaller caller,
        JobEngine engine, JobStore store, FirmDocuments documents, HttpRequest http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().Required("title", request.Title).MaxLength("description", request.Description, Limits.Description);
        if (request.Items is not { Count: > 0 }) errors.Add("items", "At least one item is required.");
        foreach (var (item, n) in (request.Items ?? []).Select((item, n) => (item, n)))
            errors.Required($"items[{n}].title", item?.Title).MaxLength($"items[{n}].description", item?.Description, Limits.Description);
        JobId? jobId = request.JobId is null ? null : new JobId(request.JobId);
        var accountId = await OwnerAccountAsync(jobId, request.AccountId, accountRequired: true, caller, store, documents, errors, cancellationToken);
        if (errors.Any) return errors.ToResult();

        var created = await engine.CreateItemAsync(caller.FirmId, new RequestItem
        {
            Id = ItemIds.New(jobId), AccountId = accountId, JobId = jobId, Title = request.Title.Trim(), Description = request.Description,
            Items = request.Items!.Select((i, n) => new RequestEntry($"i{n + 1}", i.Title.Trim(), i.Description, TaskStatus.Todo, [], [])).ToList(),
            CreatedAt = engine.Now, UpdatedAt = engine.Now,
        }, cancellationToken);
        return await CreatedAsync("requests", created, caller, store, http.HttpContext.Response, cancellationToken);
    }

    /// <summary>
    /// The account an item created by hand belongs to: its job's, or the one named when there is no job.
    /// A firm's own to-do may concern no client; a client request always has one.
    /// </summary>
    private static async Task<string?> OwnerAccountAsync(JobId? jobId, string? accountId, bool accountRequired, StaffCaller caller, JobStore store,
        FirmDocuments documents, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (jobId is { } id)
        {
            var job = await store.GetAsync(caller.FirmId, id, cancellationToken);
            if (job is null) errors.Add("jobId", "No such job.");
            return job?.Value.AccountId;
        }
        if (accountId is null && !accountRequired) return null;
        if (accountId is null || await documents.GetAsync<Account>(caller.FirmId, DocumentKinds.Account, accountId, cancellationToken) is null)
            errors.Add("accountId", accountRequired ? "An item without a job needs an existing account." : "No such account.");
        return accountId;
    }

    /// <summary>201 with the item as stored and its ETag.</summary>
    private static async Task<Created<LinkedItem>> CreatedAsync(string route, LinkedItem created, StaffCaller caller, JobStore store,
        HttpResponse response, CancellationToken cancellationToken, Func<LinkedItem, LinkedItem>? view = null)
    {
        var stored = await store.GetItemAsync(caller.FirmId, created.Id, cancellationToken);
        if (stored is not null) response.SetETag(stored.ETag);
        var item = stored?.Value ?? created;
        return TypedResults.Created($"/api/{route}/{created.Id}", view is null ? item : view(item));
    }

    private static async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> PatchTaskAsync(
        string id, PatchTaskRequest request, StaffCaller caller, JobEngine engine, JobStore store, FirmDocuments documents, FirmClock clock,
        HttpRequest http, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().MaxLength("description", request.Description, Limits.Description);
        if (request.Title is not null) errors.Required("title", request.Title);
        // Only a new assignee must exist: what GET returned (a staff member since deleted, say) can be sent back.
        if (request.AssigneeId is not null && (await store.GetItemAsync(caller.FirmId, id, cancellationToken))?.Value is TaskItem { } current
            && current.AssigneeId != request.AssigneeId
            && await documents.GetAsync<Core.Firms.StaffMember>(caller.FirmId, DocumentKinds.Staff, request.AssigneeId, cancellationToken) is null)
            errors.Add("assigneeId", "No such staff member.");
        JobId? linkTo = request.JobId is null ? null : new JobId(request.JobId);
        if (linkTo is { } job && await store.GetAsync(caller.FirmId, job, cancellationToken) is null) errors.Add("jobId", "No such job.");
        if (errors.Any) return errors.ToResult();
        var changed = await engine.ChangeItemAsync<TaskItem>(caller.FirmId, id, i => i with
        {
            Title = request.Title?.Trim() ?? i.Title,
            Description = request.Description ?? i.Description,
            AssigneeId = request.AssigneeId ?? i.AssigneeId,
            DueDate = request.DueDate ?? i.DueDate,
            Status = request.Status ?? i.Status,
        }, Actor.Staff(caller.StaffId), cancellationToken, http.IfMatch());
        // A task stays in the partition it was created in: giving it a job links it there by hand, as POST /api/jobs/{id}/items does.
        if (changed is not null && linkTo is { } target && changed.JobId != target)
            await engine.LinkItemAsync(caller.FirmId, target, changed, cancellationToken);
        return await ChangedAsync<TaskItem>(changed, caller.FirmId, store, response, cancellationToken,
            await TaskViewAsync(clock, caller.FirmId, cancellationToken));
    }

    private static async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> PatchRequestAsync(
        string id, PatchRequestRequest request, StaffCaller caller, JobEngine engine, JobStore store, HttpRequest http, HttpResponse response,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().MaxLength("description", request.Description, Limits.Description);
        if (request.Title is not null) errors.Required("title", request.Title);
        if (errors.Any) return errors.ToResult();
        // Reopening a submitted (or completed) request sends it back to the client, who is told so.
        var reopens = request.Status == RequestStatus.Sent
            && (await store.GetItemAsync(caller.FirmId, id, cancellationToken))?.Value is RequestItem { Status: not RequestStatus.Sent };
        var changed = await engine.ChangeItemAsync<RequestItem>(caller.FirmId, id, i => i with
        {
            Title = request.Title?.Trim() ?? i.Title,
            Description = request.Description ?? i.Description,
            Status = request.Status ?? i.Status,
        }, Actor.Staff(caller.StaffId), cancellationToken, http.IfMatch(),
            reopens ? [new Notify(id, NoticeAudience.Client, "a request was reopened: please have another look")] : null);
        return await ChangedAsync<RequestItem>(changed, caller, store, response, cancellationToken);
    }

    /// <summary>An amount no invoice takes, whatever its balance (the balance itself is the invoice's rule).</summary>
    internal static ValidationProblem? PaymentProblem(PaymentRequest request) => request.Amount is <= 0 or > InvoiceItem.MaxAmount
        ? new ValidationErrors().Add("amount", $"A positive amount of at most {InvoiceItem.MaxAmount:0} is required.").ToResult()
        : null;

    /// <summary>Welyb's progress counts over every request of a job (its own, of every stage entry): what was asked, and how far the client is.</summary>
    private static async Task<Results<Ok<JobRequestSummary>, NotFound>> RequestSummaryAsync(string id, StaffCaller caller, JobStore store,
        CancellationToken cancellationToken)
    {
        var jobId = new JobId(id);
        if (await store.GetAsync(caller.FirmId, jobId, cancellationToken) is null) return TypedResults.NotFound();
        var requests = new List<RequestItem>();
        string? continuationToken = null;
        do
        {
            var page = await store.ListItemsAsync(caller.FirmId, new ItemQuery(ItemTypes.Request, jobId), HttpConventions.MaxPageSize,
                continuationToken, cancellationToken);
            requests.AddRange(page.Items.OfType<RequestItem>());
            continuationToken = page.ContinuationToken;
        } while (continuationToken is not null);
        var total = RequestSummary.Of(requests.SelectMany(r => r.Items));
        return TypedResults.Ok(new JobRequestSummary(requests.Count, total.Sent, total.Todo, total.InProgress, total.Done));
    }

    /// <summary>The firm answers on a request's item; comments from both sides are kept in order, newest last.</summary>
    private static async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> CommentOnRequestAsync(string id, string itemId,
        ReplyRequest request, StaffCaller caller, JobEngine engine, JobStore store, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().Required("text", request.Text, Limits.Description);
        if (errors.Any) return errors.ToResult();
        if ((await store.GetItemAsync(caller.FirmId, id, cancellationToken))?.Value is not RequestItem current || !current.HasEntry(itemId))
            return TypedResults.NotFound();
        var changed = await engine.ChangeItemAsync<RequestItem>(caller.FirmId, id, r => r.WithEntry(itemId,
            e => e with { Comments = [.. e.Comments, new RequestComment(engine.Now, $"staff:{caller.StaffId}", request.Text)] }),
            Actor.Staff(caller.StaffId), cancellationToken);
        return await ChangedAsync<RequestItem>(changed, caller, store, response, cancellationToken);
    }

    private static async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> PayInvoiceAsync(
        string id, PaymentRequest request, StaffCaller caller, JobEngine engine, JobStore store, HttpResponse response,
        CancellationToken cancellationToken)
    {
        if (PaymentProblem(request) is { } problem) return problem;
        var reference = Idempotency.Reference(response.HttpContext);
        var changed = await engine.ChangeItemAsync<InvoiceItem>(caller.FirmId, id,
            i => i.WithPayment(request.Amount, $"staff:{caller.StaffId}", engine.Now, reference), Actor.Staff(caller.StaffId), cancellationToken);
        return await ChangedAsync<InvoiceItem>(changed, caller, store, response, cancellationToken);
    }

    private static async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> ReplyAsync(string id, ReplyRequest request, StaffCaller caller,
        JobEngine engine, JobStore store, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().Required("text", request.Text, Limits.Description);
        if (errors.Any) return errors.ToResult();
        var changed = await engine.ChangeItemAsync<MessageItem>(caller.FirmId, id,
            i => i.Replied(new RequestComment(engine.Now, $"staff:{caller.StaffId}", request.Text)), Actor.Staff(caller.StaffId), cancellationToken);
        return await ChangedAsync<MessageItem>(changed, caller, store, response, cancellationToken);
    }
}
