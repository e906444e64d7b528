using Azure.Data.Tables;
using ClientHub.Storage;

namespace ClientHub.Functions;

/// <summary>Creates the tables the host needs before it serves (queues and lease containers are created by the trigger host).</summary>
internal sealed class StorageInitializer(TableServiceClient tables, StorageNames names) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Tables.All.Select(t => tables.CreateTableIfNotExistsAsync(names.Table(t), cancellationToken)));

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
