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
        var (outcome, etag) = await documents.InsertTagAsync(caller.FirmId, tag, cancellationToken);
        if (outcome == UniqueWrite.NameTaken) throw new ConflictException($"The firm already has a tag named '{tag.Name}'.");
        response.SetETag(etag);
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
        if (!await documents.DeleteTagAsync(caller.FirmId, tag.Value, cancellationToken)) return TypedResults.NotFound();
        return TypedResults.NoContent();
    }
}
