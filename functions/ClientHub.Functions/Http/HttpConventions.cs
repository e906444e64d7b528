using Azure;
using ClientHub.Storage;

namespace ClientHub.Functions.Http;

/// <summary>The list shape of API.md: <c>{ "items": [...], "continuationToken": "..." | null }</c>.</summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Items, string? ContinuationToken);

public static class HttpConventions
{
    public const int DefaultPageSize = 100, MaxPageSize = 1000;

    public static int PageSize(int? requested) => Math.Clamp(requested ?? DefaultPageSize, 1, MaxPageSize);

    public static ListResponse<TOut> ToList<TIn, TOut>(this ListPage<TIn> page, Func<TIn, TOut> map) =>
        new(page.Items.Select(map).ToList(), page.ContinuationToken);

    /// <summary>The <c>If-Match</c> ETag, or <see cref="ETag.All"/> when absent (If-Match is optional).</summary>
    public static ETag IfMatch(this HttpRequest request) =>
        request.Headers.IfMatch.ToString() is { Length: > 0 } value && value != "*" ? new ETag(value) : ETag.All;

    public static void SetETag(this HttpResponse response, ETag etag) => response.Headers.ETag = etag.ToString();
}
