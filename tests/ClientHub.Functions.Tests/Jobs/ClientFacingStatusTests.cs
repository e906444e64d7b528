using System.Net.Http.Json;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

public sealed class ClientFacingStatusTests(EngineHost host) : IClassFixture<EngineHost>
{
    [Fact]
    public async Task A_stage_without_the_automation_keeps_the_previous_stages_status()
    {
        var s = await Scenario.CreateAsync(host);
        var waiting = await s.StatusAsync("Waiting for your documents");
        var pipeline = await s.PipelineAsync(
            Stage("Collect", true, null, new UpdateClientFacingStatus { Visible = true, StatusId = waiting.Id }),
            Stage("Prepare", false),
            Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);

        var job = await s.AtStageAsync(jobId, pipeline.Stages[1]);
        var status = job["clientFacingStatus"]!;
        Assert.Equal(waiting.Id, status["statusId"]!.GetValue<string>());
        Assert.Equal("Waiting for your documents", status["name"]!.GetValue<string>());
        Assert.True(status["visible"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_automation_can_hide_the_status_and_override_its_description()
    {
        var s = await Scenario.CreateAsync(host);
        var filed = await s.StatusAsync("Filed");
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null, new UpdateClientFacingStatus { Visible = false, StatusId = filed.Id, Description = "Internal review" }),
            Stage("Done"));
        var job = await s.SettledAsync(await s.AddJobAsync(await s.AccountAsync(), pipeline));

        Assert.False(job["clientFacingStatus"]!["visible"]!.GetValue<bool>());
        Assert.Equal("Internal review", job["clientFacingStatus"]!["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_manual_move_may_hide_the_carried_status()
    {
        var s = await Scenario.CreateAsync(host);
        var status = await s.StatusAsync("In preparation");
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null, new UpdateClientFacingStatus { Visible = true, StatusId = status.Id }),
            Stage("Quiet", false),
            Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.SettledAsync(jobId);

        var moved = await s.Api.PostAsJsonAsync($"/api/jobs/{jobId}/move", new { stageId = pipeline.Stages[1].Id, clientFacingStatusVisible = false }).ExpectAsync(200);

        Assert.False(moved["job"]!["clientFacingStatus"]!["visible"]!.GetValue<bool>());
        Assert.Equal(status.Id, moved["job"]!["clientFacingStatus"]!["statusId"]!.GetValue<string>());
    }
}
