using System.Text.Json.Nodes;
using ClientHub.Core;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Jobs;
using ClientHub.Functions.Tests.Infrastructure;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.Extensions.DependencyInjection;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

/// <summary>The job's orchestration itself, seen through the task hub: short histories, and an end when the job ends.</summary>
public sealed class JobOrchestrationTests(EngineHost host) : IClassFixture<EngineHost>
{
    private TaskHubClient Client => host.Services.GetRequiredService<TaskHubClient>();

    private Task<OrchestrationState?> StateAsync(Scenario s, string jobId) =>
        Client.GetOrchestrationStateAsync(JobOrchestrations.InstanceId(s.Firm.Id, new JobId(jobId)))!;

    [Fact]
    public async Task A_job_that_automoves_through_five_stages_keeps_each_execution_of_its_orchestration_short()
    {
        var s = await Scenario.CreateAsync(host);
        var email = await s.EmailTemplateAsync();
        var stages = Enumerable.Range(1, 5).Select(i => Stage($"Step {i}", true, null, new SendEmail { TemplateId = email.Id })).ToList();
        var pipeline = await s.PipelineAsync([.. stages, Stage("Done")]);
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);

        await s.AtStageAsync(jobId, pipeline.Stages[^1]);

        var state = await Eventually.HoldsAsync(() => StateAsync(s, jobId), o => o?.OrchestrationStatus == OrchestrationStatus.Running,
            "the orchestration waits for the job's next wake");
        var service = host.Services.GetRequiredService<AzureStorageOrchestrationService>();
        var history = JsonNode.Parse(await service.GetOrchestrationHistoryAsync(state!.OrchestrationInstance.InstanceId, null))!.AsArray();
        // Five entries ran five activities and an automove each, yet the latest execution holds only its own few events.
        Assert.InRange(history.Count, 1, 12);
        Assert.Equal(5, (await s.HistoryAsync(jobId)).Count(h => h!["kind"]!.GetValue<string>() == "automation"));
    }

    [Theory]
    [InlineData("complete")]
    [InlineData("archive")]
    public async Task A_job_that_ends_ends_its_orchestration(string action)
    {
        var s = await Scenario.CreateAsync(host);
        var task = await s.TaskTemplateAsync();
        var pipeline = await s.PipelineAsync(Stage("Prepare", true, null, new CreateTask { TemplateId = task.Id }), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.SettledAsync(jobId);
        Assert.Equal(OrchestrationStatus.Running, (await StateAsync(s, jobId))?.OrchestrationStatus);

        await s.Api.PostAsync($"/api/jobs/{jobId}/{action}", null).ExpectAsync(200);

        await Eventually.HoldsAsync(() => StateAsync(s, jobId), o => o?.OrchestrationStatus == OrchestrationStatus.Completed,
            "the orchestration completes");
    }
}
