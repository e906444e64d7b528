using ClientHub.Functions.Hosting;
using ClientHub.Functions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClientHub.Functions.Tests.Hosting;

/// <summary>On SIGTERM (the application stopping) the Durable Task worker stops fetching at once, and its stop completes.</summary>
public sealed class DurableTaskShutdownTests
{
    [Fact]
    public async Task The_durable_task_worker_begins_its_graceful_stop_when_the_application_starts_stopping()
    {
        using var host = new ClientHubHost();
        _ = host.Server; // starts the real host, worker included (all roles)
        var worker = host.Services.GetServices<IHostedService>().OfType<DurableTaskWorkerService>().Single();
        Assert.Null(worker.Stopping);

        // What SIGTERM does first: before any hosted service's StopAsync (queue listeners drain before the worker's turn).
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var stopping = Assert.IsAssignableFrom<Task>(worker.Stopping);
        // DTFx waits in steps of 4 s for its fetchers and the work items in hand; with none in hand it ends within a few.
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
