using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ClientHub.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="StorageConnection"/> decided from <c>AzureWebJobsStorage</c> (a connection string, an
    /// identity-based connection, or Azurite's development storage), the three Azure Storage service clients built from
    /// it, and the <see cref="StorageNames"/> from <c>ClientHub:StoragePrefix</c>. A misconfigured connection fails here,
    /// at start, with the settings named.
    /// </summary>
    public static IServiceCollection AddClientHubStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var connection = StorageConnection.Parse(configuration);
        services.AddSingleton(connection);
        services.AddSingleton(new StorageNames(configuration["ClientHub:StoragePrefix"]));
        services.AddSingleton<TableServiceClient>(connection.CreateTableServiceClient());
        services.AddSingleton<QueueServiceClient>(connection.CreateQueueServiceClient());
        services.AddSingleton<BlobServiceClient>(connection.CreateBlobServiceClient());
        return services;
    }
}
