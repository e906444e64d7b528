using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Http.Items;
using ClientHub.Functions.Http.Jobs;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Portal;

public sealed record PortalJobStatus(string? Name, string? Description);
public sealed record PortalJob(string Id, string Name, PortalJobStatus Status);

/// <summary>
/// The client's side (<c>Authorization: Bearer chp_…</c>): a contact sees its own account's jobs whose client-facing status is
/// visible, and its account's client-visible items, and acts on them. Anything else (another account's or firm's id, a firm's
/// to-do) is not found. Every action goes through <see cref="JobEngine.ChangeItemAsync{T}"/> as the firm's own does, with
/// <c>by: client</c>, so a client's submission moves the job exactly as a firm's completion would.
/// </summary>
public static partial class PortalApi
{
    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder api)
    {
        var portal = api.MapGroup("/portal").RequireAuthorization(Policies.Portal).WithTags("Portal");
        portal.MapGet("/jobs", ListJobsAsync);
        portal.MapRequests();
        portal.MapOrganizers();
        portal.MapInvoices();
        portal.MapProposals();
        portal.MapMessages();
        return api;
    }

    /// <summary>
    /// The account's active jobs with a visible client-facing status, named as the client sees them (the stage's description override
    /// when set). Cards are read page by page: an account has a handful of jobs among the firm's many.
    /// </summary>
    private static async Task<Ok<ListResponse<PortalJob>>> ListJobsAsync(PortalCaller caller, JobCards cards, JobViews views,
        CancellationToken cancellationToken)
    {
        var names = await views.LoadAsync(caller.FirmId, caller.Stamps, cancellationToken);
        var jobs = new List<PortalJob>();
        string? continuationToken = null;
        do
        {
            var page = await cards.ListAsync(caller.FirmId, null, null, nameof(JobStatus.Active), caller.AccountId, HttpConventions.MaxPageSize,
                continuationToken, cancellationToken);
            jobs.AddRange(page.Items.Select(names.View)
                .Where(j => j.ClientFacingStatus is { Visible: true })
                .Select(j => new PortalJob(j.Id, j.Name, new PortalJobStatus(j.ClientFacingStatus!.Name, j.ClientFacingStatus.Description))));
            continuationToken = page.ContinuationToken;
        } while (continuationToken is not null);
        return TypedResults.Ok(new ListResponse<PortalJob>(jobs, null));
    }

    /// <summary>One of the caller's account's items of type <typeparamref name="T"/>, with its ETag; null for anything else.</summary>
    private static async Task<Storage.Versioned<LinkedItem>?> OwnAsync<T>(PortalCaller caller, JobStore store, string id,
        CancellationToken cancellationToken) where T : LinkedItem
    {
        var item = await store.GetItemAsync(caller.FirmId, id, cancellationToken);
        return item?.Value is T && item.Value.AccountId == caller.AccountId ? item : null;
    }

    private static async Task<Results<Ok<LinkedItem>, NotFound>> GetAsync<T>(string id, PortalCaller caller, JobStore store, HttpResponse response,
        CancellationToken cancellationToken) where T : LinkedItem
    {
        if (await OwnAsync<T>(caller, store, id, cancellationToken) is not { } item) return TypedResults.NotFound();
        response.SetETag(item.ETag);
        return TypedResults.Ok(item.Value);
    }

    /// <summary>A page of the caller's account's items of one type, optionally of one status and matching a text.</summary>
    private static async Task<Ok<ListResponse<LinkedItem>>> ListAsync(PortalCaller caller, JobStore store, string type, string? status,
        Func<LinkedItem, bool>? matches, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var query = new ItemQuery(type, Status: status, AccountId: caller.AccountId);
        var page = await store.ListItemsAsync(caller.FirmId, query, HttpConventions.PageSize(pageSize), continuationToken, cancellationToken);
        return TypedResults.Ok(new ListResponse<LinkedItem>(page.Items.Where(matches ?? (_ => true)).ToList(), page.ContinuationToken));
    }

    /// <summary>
    /// A client's change to one of its account's items, with <c>by: client</c>; <paramref name="notify"/> tells the firm of it
    /// (a notice written in the same transaction as the change).
    /// </summary>
    private static async Task<Results<Ok<LinkedItem>, NotFound, ValidationProblem>> ChangeAsync<T>(string id, PortalCaller caller,
        JobEngine engine, JobStore store, HttpResponse response, Func<T, LinkedItem> change, string? notify, CancellationToken cancellationToken)
        where T : LinkedItem
    {
        if (await OwnAsync<T>(caller, store, id, cancellationToken) is null) return TypedResults.NotFound();
        var changed = await engine.ChangeItemAsync(caller.FirmId, id, change, Actor.Client(caller.ContactId), cancellationToken,
            effects: notify is null ? null : [new Notify(id, NoticeAudience.Firm, notify)]);
        return await ItemsApi.ChangedAsync<T>(changed, caller.FirmId, store, response, cancellationToken);
    }

    /// <summary>How comments and replies name their author.</summary>
    private static string Author(PortalCaller caller) => $"contact:{caller.ContactId}";
}
