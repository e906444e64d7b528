using Azure;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Functions.Http.Auth;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Clients;

public sealed record CreateAccountRequest(string? Name, AccountType? Type, IReadOnlyList<string>? Tags);
public sealed record UpdateAccountRequest(string? Name, AccountType? Type, IReadOnlyList<string>? Tags);
public sealed record UpdateAccountTagsRequest(IReadOnlyList<string>? Add, IReadOnlyList<string>? Remove, bool? Clear);

/// <summary>A firm's client accounts. Tags are given by name and must name tags the firm has; they are stored as the tag spells its name.</summary>
public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder api)
    {
        var accounts = api.MapGroup("/accounts").WithTags("Accounts").RequireAuthorization(Policies.Staff);
        accounts.MapDocumentReads<Account>(DocumentKinds.Account);
        accounts.MapPost("/", CreateAccountAsync);
        accounts.MapPatch("/{id}", UpdateAccountAsync);
        accounts.MapDelete("/{id}", DeleteAccountAsync);
        accounts.MapPost("/{id}/tags", UpdateAccountTagsAsync);
        return api;
    }

    /// <remarks>An absent <c>type</c> means <see cref="AccountType.Individual"/>.</remarks>
    private static async Task<Results<Created<Account>, ValidationProblem>> CreateAccountAsync(CreateAccountRequest request, StaffCaller caller,
        FirmDocuments documents, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().Required("name", request.Name);
        var tags = await ResolveTagsAsync(documents, caller.FirmId, request.Tags ?? [], "tags", errors, cancellationToken);
        if (errors.Any) return errors.ToResult();

        var account = new Account(Ids.New(), request.Name!.Trim(), request.Type ?? AccountType.Individual, tags);
        response.SetETag(await documents.InsertAsync(caller.FirmId, DocumentKinds.Account, account.Id, account, cancellationToken));
        return TypedResults.Created($"/api/accounts/{account.Id}", account);
    }

    /// <remarks>A <c>tags</c> list replaces the account's tags; use <c>POST /api/accounts/{id}/tags</c> to add or remove some.</remarks>
    private static async Task<Results<Ok<Account>, NotFound, ValidationProblem>> UpdateAccountAsync(string id, UpdateAccountRequest request,
        StaffCaller caller, FirmDocuments documents, HttpRequest http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Name is not null) errors.Required("name", request.Name);
        var tags = request.Tags is null ? null : await ResolveTagsAsync(documents, caller.FirmId, request.Tags, "tags", errors, cancellationToken);
        if (errors.Any) return errors.ToResult();

        return await ChangeAccountAsync(id, account => account with
        {
            Name = request.Name?.Trim() ?? account.Name,
            Type = request.Type ?? account.Type,
            Tags = tags ?? account.Tags,
        }, caller, documents, http, cancellationToken);
    }

    /// <summary>
    /// Clear, then remove, then add (<see cref="Account.ApplyTagUpdate"/>); names to add must be tags of the firm, names to
    /// remove need not.
    /// </summary>
    private static async Task<Results<Ok<Account>, NotFound, ValidationProblem>> UpdateAccountTagsAsync(string id, UpdateAccountTagsRequest request,
        StaffCaller caller, FirmDocuments documents, HttpRequest http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var add = await ResolveTagsAsync(documents, caller.FirmId, request.Add ?? [], "add", errors, cancellationToken);
        if (request.Remove?.Any(string.IsNullOrWhiteSpace) == true) errors.Add("remove", "Tag names cannot be empty.");
        if (errors.Any) return errors.ToResult();

        return await ChangeAccountAsync(id, account => account.WithTagsUpdated(add, request.Remove?.Select(r => r.Trim()), request.Clear ?? false),
            caller, documents, http, cancellationToken);
    }

    // Each round of conflicting writers lets one through, so this many concurrent writers of one account all land.
    private const int MaxAttempts = 20;

    /// <remarks>
    /// Without <c>If-Match</c> a change is a read-modify-write against the stored ETag, retried when another
    /// writer got in between (staff, or an automation updating tags, access or folders), so that both
    /// changes land instead of the request writing back what it read over the other one.
    /// </remarks>
    private static async Task<Results<Ok<Account>, NotFound, ValidationProblem>> ChangeAccountAsync(string id, Func<Account, Account> change,
        StaffCaller caller, FirmDocuments documents, HttpRequest http, CancellationToken cancellationToken)
    {
        var ifMatch = http.IfMatch();
        for (var attempt = 1; ; attempt++)
        {
            var stored = await documents.GetAsync<Account>(caller.FirmId, DocumentKinds.Account, id, cancellationToken);
            if (stored is null) return TypedResults.NotFound();
            try
            {
                return await ReplaceAsync(documents, caller.FirmId, change(stored.Value), ifMatch == ETag.All ? stored.ETag : ifMatch,
                    http.HttpContext.Response, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 412 && ifMatch == ETag.All && attempt < MaxAttempts)
            {
                // Another writer changed the account since it was read: apply the same change to the new version.
            }
        }
    }

    /// <summary>Deleting an account deletes its contacts (and so their portal access).</summary>
    private static async Task<Results<NoContent, NotFound>> DeleteAccountAsync(
        string id, StaffCaller caller, FirmDocuments documents, CancellationToken cancellationToken)
    {
        // FirmDocuments.DeleteAsync answers true for a missing row too (the SDK does not throw on a 404 delete), so look first.
        if (await documents.GetAsync<Account>(caller.FirmId, DocumentKinds.Account, id, cancellationToken) is null) return TypedResults.NotFound();
        await documents.DeleteAsync(caller.FirmId, DocumentKinds.Account, id, cancellationToken);
        await documents.DeleteAccountContactsAsync(caller.FirmId, id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<Account>, NotFound, ValidationProblem>> ReplaceAsync(FirmDocuments documents, FirmId firmId, Account account,
        ETag ifMatch, HttpResponse response, CancellationToken cancellationToken)
    {
        try
        {
            response.SetETag(await documents.ReplaceAsync(firmId, DocumentKinds.Account, account.Id, account, ifMatch, cancellationToken));
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(account);
    }

    /// <summary>The firm's spelling of each named tag, without duplicates; unknown names are validation errors.</summary>
    private static async Task<IReadOnlyList<string>> ResolveTagsAsync(FirmDocuments documents, FirmId firmId, IReadOnlyList<string> names,
        string field, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (names.Count == 0) return [];
        var known = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var tag in await documents.ListAllAsync<Tag>(firmId, DocumentKinds.Tag, cancellationToken)) known.TryAdd(tag.Name, tag.Name);
        var resolved = new List<string>();
        foreach (var name in names)
        {
            if (name is null || !known.TryGetValue(name.Trim(), out var canonical)) errors.Add(field, $"Unknown tag '{name}'.");
            else if (!resolved.Contains(canonical, StringComparer.OrdinalIgnoreCase)) resolved.Add(canonical);
        }
        return resolved;
    }
}
