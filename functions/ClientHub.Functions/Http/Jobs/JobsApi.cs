using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Jobs;

public sealed record CreateJobRequest(string AccountId, string PipelineId, string? StageId, string? Name, string? TemplateId,
    IReadOnlyList<string>? AssigneeIds, Priority? Priority, DateOnly? StartDate, DateOnly? DueDate, bool? ClientFacingStatusVisible);

public sealed record BulkCreateJobsRequest(IReadOnlyList<string> AccountIds, string PipelineId, string? StageId, string? Name, string? TemplateId,
    IReadOnlyList<string>? AssigneeIds, Priority? Priority, DateOnly? StartDate, DateOnly? DueDate, bool? ClientFacingStatusVisible);

public sealed record PatchJobRequest(string? Name, IReadOnlyList<string>? AssigneeIds, Priority? Priority, DateOnly? StartDate, DateOnly? DueDate);

public sealed record MoveJobRequest(string StageId, bool? ClientFacingStatusVisible);

public sealed record LinkItemRequest(string Type, string Id);

public sealed record BoardCard(string Id, string Name, string AccountName, int PendingItems, ClientFacingStatusView? ClientFacingStatus,
    DateOnly? DueDate, IReadOnlyList<string> AssigneeIds, bool Overdue, bool StageOverdue);
public sealed record BoardStage(string Id, string Name, IReadOnlyList<BoardCard> Jobs);
public sealed record BoardResponse(IReadOnlyList<BoardStage> Stages);

/// <summary>Jobs: add, read, list, edit, move, complete, archive, retry, history, linked items, and the board.</summary>
public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder api)
    {
        var jobs = api.MapGroup("/jobs").RequireAuthorization(Policies.Staff).WithTags("Jobs");
        jobs.MapPost("/", CreateAsync).Idempotent();
        jobs.MapPost("/bulk", BulkCreateAsync).Idempotent();
        jobs.MapGet("/", ListAsync);
        jobs.MapGet("/{id}", GetAsync);
        jobs.MapPatch("/{id}", PatchAsync);
        jobs.MapPost("/{id}/move", MoveAsync);
        jobs.MapPost("/{id}/complete", (string id, StaffCaller caller, JobEngine engine, JobViews views, HttpResponse response,
                CancellationToken ct) =>
            SimpleTransitionAsync(id, caller, engine, views, response,
                c => JobMachine.Complete(c.Job, Actor.Staff(caller.StaffId), engine.Now), ct)).TakesNoBody();
        jobs.MapPost("/{id}/archive", (string id, StaffCaller caller, JobEngine engine, JobViews views, HttpResponse response,
                CancellationToken ct) =>
            SimpleTransitionAsync(id, caller, engine, views, response,
                c => JobMachine.Archive(c.Job, Actor.Staff(caller.StaffId), engine.Now), ct)).TakesNoBody();
        jobs.MapPost("/{id}/retry", (string id, StaffCaller caller, JobEngine engine, JobViews views, HttpResponse response,
                CancellationToken ct) =>
            SimpleTransitionAsync(id, caller, engine, views, response,
                c => JobMachine.Retry(c.Job, c.Pipeline, Actor.Staff(caller.StaffId), c.Account, engine.Now), ct)).TakesNoBody();
        jobs.MapGet("/{id}/history", HistoryAsync);
        jobs.MapGet("/{id}/items", ItemsAsync);
        jobs.MapPost("/{id}/items", LinkItemAsync);
        api.MapGet("/pipelines/{id}/board", BoardAsync).RequireAuthorization(Policies.Staff).WithTags("Pipelines");
        return api;
    }

    private static async Task<Results<Created<JobResponse>, ValidationProblem, NotFound>> CreateAsync(
        CreateJobRequest request, StaffCaller caller, JobEngine engine, FirmDocuments documents, HttpResponse response,
        JobViews views, CancellationToken cancellationToken)
    {
        var bulk = new BulkCreateJobsRequest([request.AccountId], request.PipelineId, request.StageId, request.Name, request.TemplateId,
            request.AssigneeIds, request.Priority, request.StartDate, request.DueDate, request.ClientFacingStatusVisible);
        var result = await AddJobsAsync(bulk, caller, engine, documents, views, response.HttpContext, cancellationToken);
        if (result.Errors is { } errors) return errors.ToResult();
        var (committed, names) = (result.Jobs[0], result.Names!);
        response.SetETag(committed.ETag);
        return TypedResults.Created($"/api/jobs/{committed.Job.Id}", names.View(committed.Job));
    }

    private static async Task<Results<Created<ListResponse<JobResponse>>, ValidationProblem>> BulkCreateAsync(
        BulkCreateJobsRequest request, StaffCaller caller, JobEngine engine, FirmDocuments documents, JobViews views, HttpContext http,
        CancellationToken cancellationToken)
    {
        if (request.AccountIds is not { Count: > 0 and <= 500 })
            return new ValidationErrors().Add("accountIds", "Between 1 and 500 account ids are required.").ToResult();
        var result = await AddJobsAsync(request, caller, engine, documents, views, http, cancellationToken);
        if (result.Errors is { } errors) return errors.ToResult();
        return TypedResults.Created("/api/jobs", new ListResponse<JobResponse>(result.Jobs.Select(j => result.Names!.View(j.Job)).ToList(), null));
    }

    private sealed record AddResult(IReadOnlyList<CommittedJob> Jobs, JobNames? Names, ValidationErrors? Errors);

    /// <remarks>
    /// Under an <c>Idempotency-Key</c> each job's id is derived from the key, the request and the account, so a retry after a crash
    /// finds the jobs its first attempt inserted instead of adding them again.
    /// </remarks>
    private static async Task<AddResult> AddJobsAsync(BulkCreateJobsRequest request, StaffCaller caller, JobEngine engine,
        FirmDocuments documents, JobViews views, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().MaxLength("name", request.Name, Limits.Name);
        var pipeline = await documents.GetAsync<Pipeline>(caller.FirmId, DocumentKinds.Pipeline, request.PipelineId ?? "", cancellationToken);
        if (pipeline is null) errors.Add("pipelineId", "No such pipeline.");
        else if (request.StageId is not null && pipeline.Value.Find(request.StageId) is null)
            errors.Add("stageId", "The stage is not part of the pipeline.");
        JobTemplate? template = null;
        if (request.TemplateId is not null)
        {
            template = (await documents.GetAsync<Template>(caller.FirmId, DocumentKinds.Template, request.TemplateId, cancellationToken))?.Value
                as JobTemplate;
            if (template is null) errors.Add("templateId", "No such job template.");
        }
        var accounts = new List<Account>();
        foreach (var accountId in request.AccountIds.Distinct())
        {
            var account = await documents.GetAsync<Account>(caller.FirmId, DocumentKinds.Account, accountId ?? "", cancellationToken);
            if (account is null) errors.Add("accountId", $"No such account: {accountId}.");
            else accounts.Add(account.Value);
        }
        var assignees = request.AssigneeIds ?? template?.AssigneeIds ?? [];
        foreach (var staffId in assignees)
            if (await documents.GetAsync<Core.Firms.StaffMember>(caller.FirmId, DocumentKinds.Staff, staffId, cancellationToken) is null)
                errors.Add("assigneeIds", $"No such staff member: {staffId}.");
        if (errors.Any) return new AddResult([], null, errors);

        var today = DateOnly.FromDateTime(engine.Now.UtcDateTime);
        // Bounded, so a bulk add of hundreds of accounts does not flood storage at once.
        var jobs = new CommittedJob[accounts.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, accounts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, token) => jobs[i] = await engine.AddAsync(NewJob(accounts[i]), pipeline!.Value, accounts[i], request.StageId,
                request.ClientFacingStatusVisible, Actor.Staff(caller.StaffId), token));
        return new AddResult(jobs, await views.LoadAsync(caller.FirmId, caller.Stamps, cancellationToken), null);

        Job NewJob(Account account) => new()
        {
            Id = new JobId(Idempotency.DerivedId(http, $"job|{account.Id}") ?? Ids.New()),
            FirmId = caller.FirmId,
            Name = request.Name
                ?? (template is not null ? JobTemplating.Name(template.JobName, account.Name, today) : $"{pipeline!.Value.Name} - {account.Name}"),
            AccountId = account.Id,
            AccountName = account.Name,
            PipelineId = pipeline!.Value.Id,
            StageId = "",
            AssigneeIds = assignees,
            Priority = request.Priority ?? JobTemplating.PriorityOf(template),
            StartDate = request.StartDate ?? (template?.StartInDays is { } s ? today.AddDays(s) : null),
            DueDate = request.DueDate ?? (template?.DueInDays is { } d ? today.AddDays(d) : null),
            ClientFacing = JobTemplating.ClientFacingOf(template, request.ClientFacingStatusVisible),
        };
    }

    private static async Task<Results<Ok<JobResponse>, NotFound>> GetAsync(string id, StaffCaller caller, JobStore store, FirmDocuments documents,
        HttpResponse response, JobViews views, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(caller.FirmId, new JobId(id), cancellationToken);
        if (job is null) return TypedResults.NotFound();
        response.SetETag(job.ETag);
        return TypedResults.Ok((await views.LoadAsync(caller.FirmId, caller.Stamps, cancellationToken)).View(job.Value));
    }

    private static async Task<Ok<ListResponse<JobResponse>>> ListAsync(StaffCaller caller, JobCards cards, FirmDocuments documents,
        string? pipelineId, string? stageId, JobStatus? status, string? accountId, string? assigneeId, string? tag, string? q, DateOnly? dueBefore,
        DateOnly? dueAfter, bool? overdue,
        int? pageSize, string? continuationToken, JobViews views, CancellationToken cancellationToken)
    {
        var page = await cards.ListAsync(caller.FirmId, pipelineId, stageId, status?.ToString(), accountId,
            HttpConventions.PageSize(pageSize), continuationToken, cancellationToken);
        HashSet<string>? tagged = null;
        if (tag is not null)
            tagged = (await documents.ListAllAsync<Account>(caller.FirmId, DocumentKinds.Account, cancellationToken))
                .Where(a => a.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase)).Select(a => a.Id).ToHashSet();
        var names = await views.LoadAsync(caller.FirmId, caller.Stamps, cancellationToken);
        var items = page.Items
            .Where(j => assigneeId is null || j.AssigneeIds.Contains(assigneeId))
            .Where(j => tagged is null || tagged.Contains(j.AccountId))
            .Where(j => q is null
                || j.Name.Contains(q, StringComparison.OrdinalIgnoreCase)
                || j.AccountName.Contains(q, StringComparison.OrdinalIgnoreCase))
            .Where(j => dueBefore is null || j.DueDate < dueBefore)
            .Where(j => dueAfter is null || j.DueDate > dueAfter)
            .Where(j => overdue is null || j.IsOverdue(names.Today) == overdue)
            .Select(names.View).ToList();
        return TypedResults.Ok(new ListResponse<JobResponse>(items, page.ContinuationToken));
    }

    /// <remarks>Only assignees the patch adds must exist: what <c>GET</c> returned (a staff member since deleted, say) can be sent back.</remarks>
    private static async Task<Results<Ok<JobResponse>, NotFound, ValidationProblem>> PatchAsync(
        string id, PatchJobRequest request, StaffCaller caller, JobEngine engine, JobStore store, FirmDocuments documents, HttpRequest http,
        HttpResponse response, JobViews views, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Name is not null) errors.Required("name", request.Name);
        if (request.AssigneeIds is { Count: > 0 } assignees)
        {
            if (await store.GetAsync(caller.FirmId, new JobId(id), cancellationToken) is not { } current) return TypedResults.NotFound();
            foreach (var staffId in assignees.Except(current.Value.AssigneeIds))
                if (await documents.GetAsync<Core.Firms.StaffMember>(caller.FirmId, DocumentKinds.Staff, staffId, cancellationToken) is null)
                    errors.Add("assigneeIds", $"No such staff member: {staffId}.");
        }
        if (errors.Any) return errors.ToResult();
        var result = await engine.TransitionAsync(caller.FirmId, new JobId(id), http.IfMatch(), c => JobWrite.Of(new Transition(c.Job with
        {
            Name = request.Name?.Trim() ?? c.Job.Name,
            AssigneeIds = request.AssigneeIds ?? c.Job.AssigneeIds,
            Priority = request.Priority ?? c.Job.Priority,
            StartDate = request.StartDate ?? c.Job.StartDate,
            DueDate = request.DueDate ?? c.Job.DueDate,
            UpdatedAt = engine.Now,
        }, [], [new HistoryEntry(engine.Now, HistoryKinds.Updated, c.Job.StageId, c.Job.StageId, Actor.Staff(caller.StaffId), null)])),
            cancellationToken);
        if (result is not { } done) return TypedResults.NotFound();
        response.SetETag(done.Job.ETag);
        return TypedResults.Ok((await views.LoadAsync(caller.FirmId, caller.Stamps, cancellationToken)).View(done.Job.Value));
    }

    private static async Task<Results<Ok<MoveResponse>, NotFound, ValidationProblem>> MoveAsync(string id, MoveJobRequest request, StaffCaller caller,
        JobEngine engine, JobStore store, FirmDocuments documents, HttpRequest http, HttpResponse response, JobViews views, CancellationToken cancellationToken)
    {
        var jobId = new JobId(id);
        var result = await engine.MoveAsync(caller.FirmId, jobId, request.StageId, request.ClientFacingStatusVisible, Actor.Staff(caller.StaffId),
            http.IfMatch(), unlessThere: false, cancellationToken);
        if (result is not { } done) return TypedResults.NotFound();
        if (done.InvalidStage) return new ValidationErrors().Add("stageId", "The stage is not part of the job's pipeline.").ToResult();
        var leftEntry = done.LeftEntry;
        var unfinished = (await store.ListLinksAsync(caller.FirmId, jobId, cancellationToken))
            .Where(l => l.EntrySeq == leftEntry && l.RequiresAction && !l.Complete).Select(JobNames.View).ToList();
        response.SetETag(done.Job.ETag);
        return TypedResults.Ok(new MoveResponse((await views.LoadAsync(caller.FirmId, caller.Stamps, cancellationToken)).View(done.Job.Value),
            unfinished));
    }

    private static async Task<Results<Ok<JobResponse>, NotFound>> SimpleTransitionAsync(string id, StaffCaller caller, JobEngine engine,
        JobViews views, HttpResponse response, Func<JobContext, Transition> transition, CancellationToken cancellationToken)
    {
        var result = await engine.TransitionAsync(caller.FirmId, new JobId(id), null, c => JobWrite.Of(transition(c)), cancellationToken);
        if (result is not { } done) return TypedResults.NotFound();
        response.SetETag(done.Job.ETag);
        return TypedResults.Ok((await views.LoadAsync(caller.FirmId, caller.Stamps, cancellationToken)).View(done.Job.Value));
    }

    private static async Task<Results<Ok<ListResponse<HistoryEntry>>, NotFound>> HistoryAsync(string id, StaffCaller caller, JobStore store,
        int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var jobId = new JobId(id);
        if (await store.GetAsync(caller.FirmId, jobId, cancellationToken) is null) return TypedResults.NotFound();
        var page = await store.HistoryAsync(caller.FirmId, jobId, HttpConventions.PageSize(pageSize), continuationToken, cancellationToken);
        return TypedResults.Ok(new ListResponse<HistoryEntry>(page.Items, page.ContinuationToken));
    }

    private static async Task<Results<Ok<ListResponse<ItemView>>, NotFound>> ItemsAsync(string id, StaffCaller caller, JobStore store,
        int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var jobId = new JobId(id);
        if (await store.GetAsync(caller.FirmId, jobId, cancellationToken) is null) return TypedResults.NotFound();
        var page = await store.LinksPageAsync(caller.FirmId, jobId, HttpConventions.PageSize(pageSize), continuationToken, cancellationToken);
        return TypedResults.Ok(page.ToList(JobNames.View));
    }

    private static async Task<Results<Ok<JobResponse>, NotFound, ValidationProblem>> LinkItemAsync(string id, LinkItemRequest request,
        StaffCaller caller, JobEngine engine, JobStore store, FirmDocuments documents, JobViews views, CancellationToken cancellationToken)
    {
        var jobId = new JobId(id);
        if (await store.GetAsync(caller.FirmId, jobId, cancellationToken) is null) return TypedResults.NotFound();
        var item = await store.GetItemAsync(caller.FirmId, request.Id ?? "", cancellationToken);
        if (item is null || item.Value.Type != request.Type) return new ValidationErrors().Add("id", $"No {request.Type} with this id.").ToResult();
        if (item.Value.JobId == jobId) return new ValidationErrors().Add("id", "The item already belongs to this job.").ToResult();
        var result = await engine.LinkItemAsync(caller.FirmId, jobId, item.Value, cancellationToken);
        if (result is not { } done) return TypedResults.NotFound();
        return TypedResults.Ok((await views.LoadAsync(caller.FirmId, caller.Stamps, cancellationToken)).View(done.Job.Value));
    }

    private static async Task<Results<Ok<BoardResponse>, NotFound>> BoardAsync(
        string id, StaffCaller caller, JobCards cards, JobViews views, CancellationToken cancellationToken)
    {
        var names = await views.LoadAsync(caller.FirmId, caller.Stamps, cancellationToken);
        if (names.Pipelines.GetValueOrDefault(id) is not { } pipeline) return TypedResults.NotFound();
        var jobs = await cards.BoardAsync(caller.FirmId, id, cancellationToken);
        var stages = pipeline.Stages.Select(s => new BoardStage(s.Id, s.Name, jobs.Where(j => j.StageId == s.Id).Select(j =>
        {
            var view = names.View(j);
            return new BoardCard(j.Id.Value, j.Name, j.AccountName, j.PendingItems, view.ClientFacingStatus, j.DueDate, j.AssigneeIds,
                view.Overdue, view.StageOverdue);
        }).ToList())).ToList();
        return TypedResults.Ok(new BoardResponse(stages));
    }
}
