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
}
