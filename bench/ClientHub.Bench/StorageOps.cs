using System.Collections.Concurrent;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ClientHub.Bench;

/// <summary>
/// Who caused a storage request. The bench sets it around its own calls (and, through the
/// <c>X-Bench-Scope</c> header, around the API requests it makes); requests made by the host's
/// background work (queue listeners, timers) carry none.
/// </summary>
public static class BenchScope
{
    public const string Header = "X-Bench-Scope";
    public const string Setup = "setup", Add = "add", Complete = "complete", Observe = "observe";

    private static readonly AsyncLocal<string?> Current = new();

    public static string? Value
    {
        get => Current.Value;
        set => Current.Value = value;
    }

    /// <summary>
    /// Runs <paramref name="work"/> under <paramref name="scope"/>; the caller's scope is untouched (an async method's
    /// AsyncLocal writes do not flow out).
    /// </summary>
    public static async Task<T> RunAsync<T>(string scope, Func<Task<T>> work)
    {
        Current.Value = scope;
        return await work();
    }
}

/// <summary>A storage request as counted: who caused it, and what kind of request it was.</summary>
public readonly record struct OpKey(string Scope, string Category);

/// <summary>
/// Counts every storage HTTP request (per try, so a retried request counts each time it goes on
/// the wire, as Azure bills it) by scope and category. Categories name the service, the logical
/// table or queue and the operation, e.g. <c>table jobs point-read</c>, <c>queue automations send</c>.
/// </summary>
public sealed class StorageOps(string prefix)
{
    /// <summary>Scope of background requests that are not the engine handling a message: polling, timers, the sweeper.</summary>
    public const string Background = "background", Engine = "engine";

    private readonly ConcurrentDictionary<OpKey, int> _counts = new();

    public IReadOnlyDictionary<OpKey, int> Snapshot() => new Dictionary<OpKey, int>(_counts);

    /// <summary>The requests counted since <paramref name="before"/> was taken.</summary>
    public IReadOnlyDictionary<OpKey, int> Diff(IReadOnlyDictionary<OpKey, int> before) =>
        Snapshot().Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(x => x.Count != 0).ToDictionary(x => x.Key, x => x.Count);

    /// <summary>The policy to add (per try) to the clients of one service: <c>table</c>, <c>queue</c> or <c>blob</c>.</summary>
    public HttpPipelinePolicy PolicyFor(string service) => new Counting(this, service);

    private sealed class Counting(StorageOps ops, string service) : HttpPipelinePolicy
    {
        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            ProcessNext(message, pipeline);
            ops.Count(message, service);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            ops.Count(message, service);
        }
    }

    private void Count(HttpMessage message, string service)
    {
        var (category, background) = Classify(message, service);
        var status = message.HasResponse ? message.Response.Status : 0;
        // Expected "failures" (a missing row, an existing effect record, an ETag conflict) are part of the cost; name them.
        if (status is 404 or 409 or 412) category += $" ({status})";
        var scope = BenchScope.Value ?? (background ? Background : Engine);
        _counts.AddOrUpdate(new OpKey(scope, category), 1, (_, n) => n + 1);
    }

    /// <summary>The request's category, and whether it is background noise rather than work on a job.</summary>
    private (string Category, bool Background) Classify(HttpMessage message, string service)
    {
        var request = message.Request;
        var uri = request.Uri.ToUri();
        // Azurite puts the account in the path: /devstoreaccount1/<resource>...
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
        var query = uri.Query;
        var method = request.Method.Method;

        switch (service)
        {
            case "table":
            {
                var resource = segments.Length > 0 ? Uri.UnescapeDataString(segments[0]) : "";
                if (resource == "$batch") return ($"table {BatchKind(request)}", false);
                if (resource.StartsWith("Tables", StringComparison.Ordinal)) return ("table create-table", true);
                var paren = resource.IndexOf('(');
                var table = Logical(paren < 0 ? resource : resource[..paren]);
                var keyed = paren >= 0 && resource.Length > paren + 2;
                var op = method switch
                {
                    "GET" when keyed => "point-read",
                    "GET" => "query",
                    "POST" => "insert",
                    "PUT" or "PATCH" or "MERGE" => request.Headers.TryGetValue("If-Match", out var m) && m != "*" ? "update" : "upsert",
                    "DELETE" => "delete",
                    _ => method.ToLowerInvariant(),
                };
                // The outbox sweeper's scan runs on its timer whether or not anything is left behind. Since 2026-12-01 it reads
                // the marks index (and removes old marks), then the outbox rows of each marked job partition; before, it
                // scanned the jobs table by Timestamp. Only the sweeper reads or removes marks, or queries outbox rows.
                var filter = Uri.UnescapeDataString(query);
                var sweep = (table == "outboxmarks" && op is "query" or "delete")
                    || (table == "jobs" && op == "query" && (filter.Contains("Timestamp lt", StringComparison.Ordinal)
                        || filter.Contains("RowKey gt 'outbox|'", StringComparison.Ordinal)));
                // The task hub's partition table holds its leases: renewed on a timer whether or not there is work.
                if (table.EndsWith("Partitions", StringComparison.Ordinal)) return ($"table {table} {op} (leases)", true);
                return (sweep ? $"table {table} {op} (outbox sweep)" : $"table {table} {op}", sweep);
            }
            case "queue":
            {
                var queue = segments.Length > 0 ? Logical(segments[0]) : "?";
                if (segments.Length == 1) return ($"queue {queue} {(method == "PUT" ? "create" : method.ToLowerInvariant())}", true);
                if (segments.Length == 2)
                {
                    if (method == "POST") return ($"queue {queue} send", false);
                    if (method == "GET" && query.Contains("peekonly=true", StringComparison.OrdinalIgnoreCase)) return ($"queue {queue} peek", true);
                    if (method == "GET")
                        return ReceivedAny(message)
                            ? ($"queue {queue} receive (got messages)", false)
                            : ($"queue {queue} receive (empty poll)", true);
                    return ($"queue {queue} {method.ToLowerInvariant()}", false);
                }
                return method switch
                {
                    "DELETE" => ($"queue {queue} delete-message", false),
                    "PUT" => ($"queue {queue} update-message", false),
                    _ => ($"queue {queue} {method.ToLowerInvariant()}-message", false),
                };
            }
            case "blob":
            {
                string op;
                if (query.Contains("comp=lease", StringComparison.Ordinal))
                    op = "lease " + (request.Headers.TryGetValue("x-ms-lease-action", out var action) ? action : "?");
                else if (query.Contains("comp=metadata", StringComparison.Ordinal)) op = "set-metadata";
                else if (method == "HEAD") op = "get-properties";
                else op = method.ToLowerInvariant();
                // Blobs are used only by the timer singleton's lock in this scenario.
                return ($"blob {op}", true);
            }
            default:
                return ($"{service} {method.ToLowerInvariant()}", true);
        }
    }

    /// <summary>A job commit (job row + history + outbox + items) or the dispatcher's outbox delete, told apart by the batch body.</summary>
    private static string BatchKind(Request request)
    {
        if (request.Content is null) return "batch";
        using var body = new MemoryStream();
        request.Content.WriteTo(body, CancellationToken.None);
        var text = Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length);
        var deletes = CountOf(text, "\nDELETE ");
        var writes = CountOf(text, "\nPOST ") + CountOf(text, "\nPUT ") + CountOf(text, "\nPATCH ") + CountOf(text, "\nMERGE ");
        if (deletes > 0 && writes == 0) return "batch (outbox delete)";
        return text.Contains("jobs", StringComparison.Ordinal) ? "batch (job commit)" : "batch";
    }

    private static int CountOf(string text, string value)
    {
        var n = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>Whether a receive returned messages; the response body is buffered by the time this policy sees it.</summary>
    private static bool ReceivedAny(HttpMessage message)
    {
        if (!message.HasResponse || message.Response.Status != 200) return false;
        try
        {
            return message.Response.Content.ToString().Contains("<MessageId>", StringComparison.Ordinal);
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private string Logical(string physical)
    {
        var name = physical.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? physical[prefix.Length..] : physical;
        return name.TrimStart('-');
    }
}
