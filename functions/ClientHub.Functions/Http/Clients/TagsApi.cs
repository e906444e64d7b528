using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Http.Templates;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Clients;

public sealed record CreateTagRequest(string? Name, string? Color);

/// <summary>A firm's tags. Accounts, stage conditions and automations refer to them by name, so names are unique per firm, ignoring case.</summary>
public static class TagsApi
{
    public static IEndpointRouteBuilder MapTagsApi(this IEndpointRouteBuilder api)
    {
        var tags = api.MapGroup("/tags").WithTags("Tags").RequireAuthorization(Policies.Staff);
        tags.MapDocumentReads<Tag>(DocumentKinds.Tag);
        tags.MapPost("/", CreateTagAsync);
        tags.MapDelete("/{id}", DeleteTagAsync);
        return api;
    }

    private static async Task<Results<Created<Tag>, ValidationProblem>> CreateTagAsync(CreateTagRequest request, StaffCaller caller,
        FirmDocuments documents, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors().Required("name", request.Name).MaxLength("color", request.Color, Limits.Name);
        if (errors.Any) return errors.ToResult();

        var tag = new Tag(Ids.New(), request.Name!.Trim(), request.Color?.Trim());
        Response<IReadOnlyList<Response>> result;
        try
        {
            result = await documents.SubmitAsync(
            [
                new(TableTransactionActionType.Add,
                    FirmDocuments.ToEntity(caller.FirmId.Value, FirmDocuments.RowKey(DocumentKinds.Tag, tag.Id), tag)),
                new(TableTransactionActionType.Add, TagNames.IndexRow(caller.FirmId, tag.Name, tag.Id)),
            ], cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex == 1)
        {
            throw new ConflictException($"The firm already has a tag named '{tag.Name}'.");
        }
        response.SetETag(result.Value[0].Headers.ETag ?? default);
        return TypedResults.Created($"/api/tags/{tag.Id}", tag);
    }

    /// <summary>Accounts keep the name of a deleted tag; a tag created again with that name matches them again.</summary>
    private static async Task<Results<NoContent, NotFound>> DeleteTagAsync(
        string id, StaffCaller caller, FirmDocuments documents, CancellationToken cancellationToken)
    {
        var tag = await documents.GetAsync<Tag>(caller.FirmId, DocumentKinds.Tag, id, cancellationToken);
        if (tag is null) return TypedResults.NotFound();
        var name = tag.Value.Name;
        await documents.EnsureUnusedAsync(caller.FirmId, "tag",
            r => r with
            {
                TagNames = r.TagNames.Where(t => !t.Equals(name, StringComparison.OrdinalIgnoreCase)).ToHashSet(),
                TagIds = r.TagIds.Where(t => t != id).ToHashSet(),
            },
            cancellationToken);
        var accounts = (await documents.ListAllAsync<Account>(caller.FirmId, DocumentKinds.Account, cancellationToken))
            .Count(a => a.Tags.Contains(name, StringComparer.OrdinalIgnoreCase));
        if (accounts > 0) throw new ConflictException($"{accounts} account(s) have the tag '{name}'; remove it from them first.");
        try
        {
            await documents.SubmitAsync(
            [
                new(TableTransactionActionType.Delete,
                    new TableEntity(caller.FirmId.Value, FirmDocuments.RowKey(DocumentKinds.Tag, tag.Value.Id)), ETag.All),
                new(TableTransactionActionType.Delete, new TableEntity(caller.FirmId.Value, TagNames.RowKey(tag.Value.Name)), ETag.All),
            ], cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.NoContent();
    }
}

/// <summary>
/// Tag names are unique per firm ignoring case: an index row per normalized name, written in the same
/// batch as the tag. The key is a hash because a 200-character name, escaped, could pass the 1 KiB row-key limit.
/// </summary>
public static class TagNames
{
    /// <remarks>
    /// Folded with <see cref="string.ToUpperInvariant"/>, as <see cref="StringComparer.OrdinalIgnoreCase"/> (used wherever
    /// tags are compared) folds.
    /// </remarks>
    public static string RowKey(string name) =>
        FirmDocuments.RowKey(DocumentKinds.TagName,
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name.Trim().ToUpperInvariant()))));

    public static TableEntity IndexRow(FirmId firmId, string name, string tagId) => new(firmId.Value, RowKey(name)) { ["TagId"] = tagId };
}
