using System.Net;
using Azure.Storage.Queues;
using ClientHub.Functions.Jobs;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClientHub.Functions.Tests.Http;

/// <summary>/healthz says storage answers; /readyz also that every table, queue and container the host uses exists.</summary>
public sealed class HealthApiTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task Readiness_reports_every_check_ok_once_the_host_has_set_up_storage()
    {
        var body = await host.Anonymous().GetAsync("/readyz").ExpectAsync(200);

        Assert.Equal("ready", body["status"]!.GetValue<string>());
        foreach (var check in new[] { "storage", "tables", "queues", "containers" })
            Assert.Equal("ok", body["checks"]![check]!.GetValue<string>());
    }

    [Fact]
    public async Task Health_answers_without_credentials()
    {
        Assert.Equal(HttpStatusCode.OK, (await host.Anonymous().GetAsync("/healthz")).StatusCode);
    }
}

/// <summary>A host whose poison queue was deleted under it is alive but not ready, and says which check failed.</summary>
public sealed class ReadinessWithMissingQueueTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task A_missing_poison_queue_makes_readiness_a_503_problem_naming_it()
    {
        var poison = host.Services.GetRequiredService<StorageNames>().Queue(EngineOptions.LinksQueue) + "-poison";
        await new QueueServiceClient(ClientHubHost.StorageConnectionString).DeleteQueueAsync(poison);

        var response = await host.Anonymous().GetAsync("/readyz");
        var body = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.IsProblem());
        Assert.Equal($"missing {poison}", body["checks"]!["queues"]!.GetValue<string>());
        Assert.Equal("ok", body["checks"]!["tables"]!.GetValue<string>());
        Assert.Contains(poison, body["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await host.Anonymous().GetAsync("/healthz")).StatusCode);
    }
}
