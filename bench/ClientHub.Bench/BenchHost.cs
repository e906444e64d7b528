using System.Net.Http.Headers;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClientHub.Bench;

/// <summary>
/// The real host, in process, against the Azurite named by <c>AzureWebJobsStorage</c>, with its own
/// storage prefix, fast queue polling, SendGrid pointed at <see cref="SendGridStub"/>, and storage
/// clients that count every request they send.
/// </summary>
public sealed class BenchHost(string connectionString, string sendGridUrl) : WebApplicationFactory<Program>
{
    public const string BootstrapToken = "bench-bootstrap-token";

    public string Prefix { get; } = "b" + Guid.NewGuid().ToString("N")[..12];

    public StorageOps Ops => _ops ??= new StorageOps(Prefix);
    private StorageOps? _ops;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("AzureWebJobsStorage", connectionString);
        builder.UseSetting("ClientHub:StoragePrefix", Prefix);
        builder.UseSetting("ClientHub:BootstrapToken", BootstrapToken);
        builder.UseSetting("ClientHub:SendGrid:ApiKey", "SG.bench-key");
        builder.UseSetting("ClientHub:SendGrid:Host", sendGridUrl);
        builder.UseSetting("ClientHub:Queues:MaxPollingInterval", "00:00:00.200");
        // Per-message information logs would cost the 2-core machine more than some of what is measured.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.ConfigureTestServices(services =>
        {
            // Same clients the app registers (StorageServiceCollectionExtensions), plus the counting policy.
            var tableOptions = new TableClientOptions();
            tableOptions.AddPolicy(Ops.PolicyFor("table"), HttpPipelinePosition.PerRetry);
            var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
            queueOptions.AddPolicy(Ops.PolicyFor("queue"), HttpPipelinePosition.PerRetry);
            var blobOptions = new BlobClientOptions();
            blobOptions.AddPolicy(Ops.PolicyFor("blob"), HttpPipelinePosition.PerRetry);
            services.RemoveAll<TableServiceClient>();
            services.RemoveAll<QueueServiceClient>();
            services.RemoveAll<BlobServiceClient>();
            services.AddSingleton(new TableServiceClient(connectionString, tableOptions));
            services.AddSingleton(new QueueServiceClient(connectionString, queueOptions));
            services.AddSingleton(new BlobServiceClient(connectionString, blobOptions));
            // The Durable Task engine's own clients (task hub queues, history and instances tables, leases), counted the same way.
            var engineQueueOptions = new QueueClientOptions();
            engineQueueOptions.AddPolicy(Ops.PolicyFor("queue"), HttpPipelinePosition.PerRetry);
            services.RemoveAll<StorageAccountClientProvider>();
            services.AddSingleton(new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(connectionString, blobOptions),
                StorageServiceClientProvider.ForQueue(connectionString, engineQueueOptions),
                StorageServiceClientProvider.ForTable(connectionString, tableOptions)));
            services.AddSingleton<IStartupFilter, ScopeFromHeader>();
        });
    }

    public HttpClient WithToken(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // A bulk add of 500 jobs is one request; on a busy 2-core machine it must not be cut off while the engine still works.
        client.Timeout = TimeSpan.FromMinutes(5);
        return client;
    }

    /// <summary>Runs first in the pipeline: the storage requests an API call makes are counted under the scope the bench named.</summary>
    private sealed class ScopeFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, call) =>
            {
                BenchScope.Value = context.Request.Headers[BenchScope.Header].FirstOrDefault();
                await call();
            });
            next(app);
        };
    }
}
