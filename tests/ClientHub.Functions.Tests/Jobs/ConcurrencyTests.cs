using System.Net.Http.Json;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

public sealed class ConcurrencyTests(EngineHost host) : IClassFixture<EngineHost>
{
    [Fact]
    public async Task A_manual_move_racing_an_automove_leaves_one_consistent_history()
    {
        var s = await Scenario.CreateAsync(host);
        var task = await s.TaskTemplateAsync();
        var pipeline = await s.PipelineAsync(
            Stage("Prepare", true, null, new CreateTask { TemplateId = task.Id }),
            Stage("Review"),
            Stage("Elsewhere"),
            Stage("Done"));
        for (var round = 0; round < 5; round++)
        {
            var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
            await s.AtStageAsync(jobId, pipeline.Stages[0]);
            var item = (await s.ItemsAsync(jobId)).Single();

            // The completion automoves Prepare → Review while the firm moves the job to Elsewhere.
            await Task.WhenAll(
                s.CompleteItemAsync(item!),
                s.Api.PostAsJsonAsync($"/api/jobs/{jobId}/move", new { stageId = pipeline.Stages[2].Id }).ExpectAsync(200));
            var job = await s.SettledAsync(jobId);

            var moves = (await s.HistoryAsync(jobId)).Where(h => h!["kind"]!.GetValue<string>() is "moved" or "added").ToList();
            // Each entry starts where the previous one ended: no lost or doubled entry.
            for (var i = 1; i < moves.Count; i++)
                Assert.Equal(moves[i - 1]!["toStageId"]!.GetValue<string>(), moves[i]!["fromStageId"]!.GetValue<string>());
            Assert.Equal(moves.Count, job["entrySeq"]!.GetValue<int>());
            Assert.Equal(moves[^1]!["toStageId"]!.GetValue<string>(), job["stageId"]!.GetValue<string>());
            Assert.True(moves.Count(m => m!["by"]!["type"]!.GetValue<string>() == "automove") <= 1);
        }
    }

    [Fact]
    public async Task A_move_with_a_stale_If_Match_is_refused()
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("One"), Stage("Two"), Stage("Three"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.SettledAsync(jobId);
        var read = await s.Api.GetAsync($"/api/jobs/{jobId}");
        var etag = read.Headers.ETag!.Tag;
        await s.Api.PostAsJsonAsync($"/api/jobs/{jobId}/move", new { stageId = pipeline.Stages[1].Id }).ExpectAsync(200);

        var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/jobs/{jobId}/move") { Content = JsonContent.Create(new { stageId = pipeline.Stages[2].Id }) };
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        var response = await s.Api.SendAsync(stale);
        Assert.Equal(412, (int)response.StatusCode);
        Assert.Equal(pipeline.Stages[1].Id, (await s.JobAsync(jobId))["stageId"]!.GetValue<string>());
    }
}
