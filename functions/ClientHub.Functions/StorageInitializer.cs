using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using ClientHub.Storage;

namespace ClientHub.Functions;

/// <summary>
/// Creates the tables and blob containers the host needs before it serves (queues and lease containers are created by the
/// trigger host).
/// </summary>
internal sealed class StorageInitializer(TableServiceClient tables, BlobServiceClient blobs, StorageNames names) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Tables.All.Select(Task (t) => tables.CreateTableIfNotExistsAsync(names.Table(t), cancellationToken))
            .Concat(Containers.All.Select(c => blobs.GetBlobContainerClient(names.Container(c)).CreateIfNotExistsAsync(
                cancellationToken: cancellationToken))));

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static async Task<IResult> HealthAsync(TableServiceClient tables, StorageNames names, CancellationToken cancellationToken)
    {
        try
        {
            await tables.GetTableClient(names.Table(Tables.Config))
                .QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken)
                .AsPages(pageSizeHint: 1).GetAsyncEnumerator(cancellationToken).MoveNextAsync();
            return TypedResults.Ok(new { status = "healthy" });
        }
        catch (RequestFailedException e)
        {
            return TypedResults.Problem($"Storage is not reachable: {e.ErrorCode ?? e.Status.ToString()}", statusCode: 503, title: "Unhealthy");
        }
    }
}
