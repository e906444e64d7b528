using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ClientHub.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the three Azure Storage service clients from <c>AzureWebJobsStorage</c>
    /// (default: Azurite's development storage) and the <see cref="StorageNames"/> from
    /// <c>ClientHub:StoragePrefix</c>.
    /// </summary>
    public static IServiceCollection AddClientHubStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = ConnectionString(configuration);
        services.AddSingleton(new StorageNames(configuration["ClientHub:StoragePrefix"]));
        services.AddSingleton(new TableServiceClient(connectionString));
        services.AddSingleton(new QueueServiceClient(connectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }));
        services.AddSingleton(new BlobServiceClient(connectionString));
        return services;
    }

    /// <summary><c>AzureWebJobsStorage</c>, or Azurite's development storage when it is unset.</summary>
    public static string ConnectionString(IConfiguration configuration) =>
        configuration["AzureWebJobsStorage"] is { Length: > 0 } connectionString ? connectionString : "UseDevelopmentStorage=true";
}
