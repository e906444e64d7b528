using Azure;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using ClientHub.Functions.Hosting;
using ClientHub.Storage;

namespace ClientHub.Functions.Http.Operations;

/// <summary>The checks Container Apps (or anyone) asks: /healthz, storage reachable; /readyz, and everything the host uses exists.</summary>
public static class HealthApi
{
    private const string Ok = "ok";

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", HealthAsync).ExcludeFromDescription();
        app.MapGet("/readyz", ReadyAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> HealthAsync(TableServiceClient tables, StorageNames names, CancellationToken cancellationToken) =>
        await ProbeAsync(() => ReadOneRowAsync(tables, names, cancellationToken), cancellationToken) is { } failure
            ? Unavailable("Unhealthy", $"Storage is not reachable: {failure}", checks: null)
            : TypedResults.Ok(new { status = "healthy" });

    /// <summary>
    /// Ready when storage answers and our tables, the queue triggers' queues with their poison twins and the lease
    /// container exist; each check is reported, so a 503 says which failed.
    /// </summary>
    private static async Task<IResult> ReadyAsync(TableServiceClient tables, QueueServiceClient queues, BlobServiceClient blobs,
        StorageNames names, IEnumerable<QueueTriggerRegistration> triggers, CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string>();
        if (await ProbeAsync(() => ReadOneRowAsync(tables, names, cancellationToken), cancellationToken) is { } unreachable)
        {
            checks["storage"] = unreachable;
            return Unavailable("Not ready", $"storage: {unreachable}", checks);
        }
        checks["storage"] = Ok;

        checks["tables"] = await MissingAsync(Tables.All.Select(names.Table),
            async name =>
            {
                await foreach (var _ in tables.QueryAsync(TableClient.CreateQueryFilter($"TableName eq {name}"), maxPerPage: 1, cancellationToken))
                    return true;
                return false;
            }, cancellationToken);
        var queueNames = triggers.SelectMany(t => new[] { names.Queue(t.QueueName), TriggerStorageInitializer.PoisonQueueName(names, t.QueueName) });
        checks["queues"] = await MissingAsync(queueNames,
            async name => (await queues.GetQueueClient(name).ExistsAsync(cancellationToken)).Value, cancellationToken);
        checks["containers"] = await MissingAsync([names.Container(TriggerStorageInitializer.LeaseContainerName)],
            async name => (await blobs.GetBlobContainerClient(name).ExistsAsync(cancellationToken)).Value, cancellationToken);

        var failed = checks.Where(c => c.Value != Ok).Select(c => $"{c.Key}: {c.Value}").ToList();
        return failed.Count == 0
            ? TypedResults.Ok(new { status = "ready", checks })
            : Unavailable("Not ready", string.Join("; ", failed), checks);
    }

    private static async Task ReadOneRowAsync(TableServiceClient tables, StorageNames names, CancellationToken cancellationToken) =>
        await tables.GetTableClient(names.Table(Tables.Config))
            .QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken)
            .AsPages(pageSizeHint: 1).GetAsyncEnumerator(cancellationToken).MoveNextAsync();

    /// <summary><see cref="Ok"/>, or which of <paramref name="names"/> do not exist, or why storage could not say.</summary>
    private static async Task<string> MissingAsync(
        IEnumerable<string> names, Func<string, Task<bool>> existsAsync, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        var failure = await ProbeAsync(async () =>
        {
            foreach (var name in names)
                if (!await existsAsync(name)) missing.Add(name);
        }, cancellationToken);
        return failure ?? (missing.Count == 0 ? Ok : $"missing {string.Join(", ", missing)}");
    }

    /// <summary>Null when <paramref name="probe"/> succeeds; else what storage (or the identity behind it) answered.</summary>
    private static async Task<string?> ProbeAsync(Func<Task> probe, CancellationToken cancellationToken)
    {
        try
        {
            await probe();
            return null;
        }
        catch (RequestFailedException e)
        {
            return e.ErrorCode ?? (e.Status == 0 ? "no response" : e.Status.ToString());
        }
        // A managed identity without a token (or without a role on the account) is as unusable as a storage outage.
        catch (AuthenticationFailedException)
        {
            return "no token for the storage account's identity";
        }
        catch (Exception e) when (StorageFailures.IsStorageFailure(e, cancellationToken))
        {
            return "no response";
        }
    }

    private static IResult Unavailable(string title, string detail, IReadOnlyDictionary<string, string>? checks) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: title,
            extensions: checks is null ? null : new Dictionary<string, object?> { ["checks"] = checks });
}
