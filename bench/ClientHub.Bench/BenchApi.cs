using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ClientHub.Bench;

/// <summary>What the bench saw of one job at the end: its history as the API shows it.</summary>
public sealed record JobHistory(string JobId, IReadOnlyList<HistoryPoint> Entries);

public sealed record HistoryPoint(DateTimeOffset At, string Kind);

/// <summary>
/// The public HTTP API as the bench calls it. Only the API and the histories it returns are read, so the
/// bench measures any engine behind the same API.
/// </summary>
public static class BenchApi
{
    /// <summary>
    /// One request under <paramref name="scope"/> (sent as <see cref="BenchScope.Header"/>); any status but
    /// <paramref name="expected"/> throws.
    /// </summary>
    public static async Task<JsonNode> CallAsync(this HttpClient client, string scope, HttpMethod method, string path, object? body, int expected,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add(BenchScope.Header, scope);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if ((int)response.StatusCode != expected)
            throw new InvalidOperationException($"{method} {path}: expected {expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    /// <summary>Every item of a list resource, following <c>continuationToken</c> (a page holds at most 1,000 items).</summary>
    public static async Task<List<JsonNode>> ListAllAsync(this HttpClient client, string scope, string path, CancellationToken cancellationToken)
    {
        var items = new List<JsonNode>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        string? token = null;
        do
        {
            var pagePath = $"{path}{separator}pageSize=1000" + (token is null ? "" : $"&continuationToken={Uri.EscapeDataString(token)}");
            var page = await client.CallAsync(scope, HttpMethod.Get, pagePath, null, 200, cancellationToken);
            items.AddRange(page["items"]!.AsArray().Select(i => i!));
            token = page["continuationToken"]?.GetValue<string>();
        } while (token is not null);
        return items;
    }

    /// <summary>A job's whole history, read under the bench's own scope.</summary>
    public static async Task<JobHistory> HistoryAsync(this HttpClient client, string jobId, CancellationToken cancellationToken)
    {
        var entries = await client.ListAllAsync(BenchScope.Observe, $"/api/jobs/{jobId}/history", cancellationToken);
        return new JobHistory(jobId,
            entries.Select(h => new HistoryPoint(h["at"]!.GetValue<DateTimeOffset>(), h["kind"]!.GetValue<string>())).ToList());
    }
}
