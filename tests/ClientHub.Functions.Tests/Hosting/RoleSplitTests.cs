using System.Net.Http.Json;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using Microsoft.Extensions.DependencyInjection;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Hosting;

/// <summary>One deployment split in two: an instance that only serves HTTP and one that only runs queues and timers.</summary>
public sealed class RoleSplitTests : IAsyncLifetime
{
    private sealed class Instance(string prefix, string roles) : EngineHost
    {
        public override string Prefix => prefix;
        protected override IEnumerable<KeyValuePair<string, string?>> EngineSettings => [new("ClientHub:Roles", roles)];
    }

    private readonly string _prefix = "r" + Guid.NewGuid().ToString("N")[..12];
    private Instance _http = null!;
    private Instance _workers = null!;

    public Task InitializeAsync()
    {
        _http = new Instance(_prefix, "http");
        _workers = new Instance(_prefix, "queues,timers");
        _ = _workers.Services; // start it: it has no HTTP traffic to start it lazily
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _http.DisposeAsync();
        await _workers.DisposeAsync();
    }

    [Fact]
    public async Task An_http_only_instance_adds_the_job_and_a_worker_instance_runs_its_automations()
    {
        var s = await Scenario.CreateAsync(_http);
        var task = await s.TaskTemplateAsync();
        var pipeline = await s.PipelineAsync(Stage("Prepare", true, null, new CreateTask { TemplateId = task.Id }), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);

        var job = await s.SettledAsync(jobId);

        Assert.Equal(1, job["pendingItems"]!.GetValue<int>());
        Assert.Empty(_http.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Functions.Hosting.QueueListenerService>());
        var api = await _workers.CreateClient().GetAsync("/api/jobs");
        Assert.Equal(404, (int)api.StatusCode);
    }
}
