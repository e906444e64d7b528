using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using ClientHub.Functions.Http.Auth;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http;

/// <summary>The list shape of API.md: <c>{ "items": [...], "continuationToken": "..." | null }</c>.</summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Items, string? ContinuationToken);

public static partial class HttpConventions
{
    public const int DefaultPageSize = 100, MaxPageSize = 1000;

    public static int PageSize(int? requested) => Math.Clamp(requested ?? DefaultPageSize, 1, MaxPageSize);

    public static ListResponse<TOut> ToList<TIn, TOut>(this ListPage<TIn> page, Func<TIn, TOut> map) =>
        new(page.Items.Select(map).ToList(), page.ContinuationToken);

    /// <summary>A well-formed storage ETag no row ever has: what an <c>If-Match</c> we never issued becomes.</summary>
    private static readonly ETag NeverMatches = new("W/\"datetime'1900-01-01T00%3A00%3A00.0000000Z'\"");

    /// <summary>
    /// The <c>If-Match</c> ETag, or <see cref="ETag.All"/> when absent (If-Match is optional). One we cannot
    /// have issued (ours are storage ETags, <c>W/"datetime'…'"</c>) cannot match anything: storage would
    /// refuse it as malformed (400), so it is sent as one that matches nothing and the caller gets 412.
    /// </summary>
    public static ETag IfMatch(this HttpRequest request) => request.Headers.IfMatch.ToString() switch
    {
        "" or "*" => ETag.All,
        var value when StorageETag().IsMatch(value) => new ETag(value),
        _ => NeverMatches,
    };

    [GeneratedRegex(@"^W/""datetime'\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A\d\d(\.\d{1,7})?Z'""$")]
    private static partial Regex StorageETag();

    public static void SetETag(this HttpResponse response, ETag etag) => response.Headers.ETag = etag.ToString();

    /// <summary>A problem+json answer of <paramref name="status"/>, typed as every other problem of the API.</summary>
    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: $"https://httpstatuses.io/{status}");

    /// <summary>
    /// An action with no documented body (API.md: it accepts an empty body without <c>Content-Type</c>)
    /// takes nothing else: an empty body or <c>{}</c> is fine, any field is unknown (400), a body that
    /// is not JSON is 415. Unknown fields are rejected everywhere, not ignored.
    /// </summary>
    public static RouteHandlerBuilder TakesNoBody(this RouteHandlerBuilder route) => route.AddEndpointFilter(async (context, next) =>
    {
        // Judged by the bytes, not the headers: an empty chunked (or HTTP/2) body is no body.
        var request = context.HttpContext.Request;
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(context.HttpContext.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) return await next(context);
        if (!request.HasJsonContentType())
            throw new BadHttpRequestException("This action takes no body; send none, or application/json {}.",
                StatusCodes.Status415UnsupportedMediaType);
        using var body = JsonDocument.Parse(text);
        if (body.RootElement.ValueKind != JsonValueKind.Object)
            return new ValidationErrors().Add("body", "This action takes no body; send none, or {}.").ToResult();
        var errors = new ValidationErrors();
        foreach (var field in body.RootElement.EnumerateObject()) errors.Add(field.Name, "Unknown field: this action takes no body.");
        return errors.Any ? errors.ToResult() : await next(context);
    });

    /// <summary>
    /// <c>GET /</c> (a page of the firm's documents of <paramref name="kind"/>) and <c>GET /{id}</c>
    /// (one, with its ETag): the reads every configuration resource has.
    /// </summary>
    public static RouteGroupBuilder MapDocumentReads<T>(this RouteGroupBuilder group, string kind) => group.MapDocumentReads<T, T>(kind, v => v);

    /// <summary>The reads of <see cref="MapDocumentReads{T}(RouteGroupBuilder, string)"/>, each document shown as <paramref name="view"/> makes it.</summary>
    public static RouteGroupBuilder MapDocumentReads<T, TView>(this RouteGroupBuilder group, string kind, Func<T, TView> view)
    {
        group.MapGet("", async (StaffCaller caller, FirmDocuments documents, int? pageSize, string? continuationToken,
                CancellationToken cancellationToken) =>
            TypedResults.Ok((await documents.ListAsync<T>(caller.FirmId, kind, PageSize(pageSize), continuationToken, cancellationToken))
                .ToList(v => view(v.Value))));
        group.MapDocumentGet(kind, view);
        return group;
    }

    /// <summary><c>GET /{id}</c>: one of the firm's documents of <paramref name="kind"/>, with its ETag.</summary>
    public static RouteGroupBuilder MapDocumentGet<T>(this RouteGroupBuilder group, string kind) => group.MapDocumentGet<T, T>(kind, v => v);

    public static RouteGroupBuilder MapDocumentGet<T, TView>(this RouteGroupBuilder group, string kind, Func<T, TView> view)
    {
        group.MapGet("/{id}", async Task<Results<Ok<TView>, NotFound>> (string id, StaffCaller caller, FirmDocuments documents,
            HttpResponse response, CancellationToken cancellationToken) =>
        {
            var document = await documents.GetAsync<T>(caller.FirmId, kind, id, cancellationToken);
            if (document is null) return TypedResults.NotFound();
            response.SetETag(document.ETag);
            return TypedResults.Ok(view(document.Value));
        });
        return group;
    }

    /// <summary><c>DELETE /{id}</c>: one of the firm's documents of <paramref name="kind"/> (204, or 404).</summary>
    public static RouteGroupBuilder MapDocumentDelete(this RouteGroupBuilder group, string kind)
    {
        group.MapDelete("/{id}", async Task<Results<NoContent, NotFound>> (string id, StaffCaller caller, FirmDocuments documents,
            CancellationToken cancellationToken) =>
            await documents.DeleteAsync(caller.FirmId, kind, id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound());
        return group;
    }
}
